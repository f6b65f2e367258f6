"""The options `demo` and `loaddemo` share (the underscore keeps Django from taking this for a command)."""


def add_load_arguments(parser) -> None:
    parser.add_argument("--customers", type=int, default=20_000,
                        help="how many customers the database should hold: loads what is missing")
    parser.add_argument("--seed", type=int, default=42, help="the same seed gives the same data set")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
