"""Words of a text as the search index stores them, the same on SQLite and PostgreSQL.

Chinese has no spaces between words, so neither FTS5's tokenizer nor PostgreSQL's parser can find
"异响" inside "刹车异响怎么办". jieba cuts the text into words (in search mode, also the shorter
words inside a long one: 发动机故障灯 → 发动机, 故障, 故障灯 …) at write time and at query time,
and the index gets them separated by spaces: both databases then only split on spaces and agree.
English words are lowercased and lose a plural "s". Plain Python, no Django: tested and
benchmarked alone.

jieba loads its dictionary (about a second) on the first cut, not at import: a web worker that
never searches never pays for it, and its "Building prefix dict" log lines are silenced.
"""

import logging
import re
import threading
import warnings

# Words of the trade jieba's general dictionary cuts in two; a word here is kept whole.
TRADE_WORDS = (
    "胎压", "异响", "刹车片", "刹车盘", "首保", "三包", "充电桩", "快充", "慢充", "道路救援", "故障灯", "机油灯",
    "发动机故障灯", "胎压灯", "保养周期", "雨刮", "空调滤芯", "机油滤芯", "蓄电池", "电瓶", "续航", "预约", "召回",
    "延保", "备胎", "补胎", "四轮定位", "变速箱", "防冻液", "玻璃水", "行车记录仪", "车机", "蓝牙", "钥匙",
    "亏电", "搭电", "拖车", "投诉", "质保", "保修", "里程", "仪表盘", "爆胎", "漏油", "抖动", "警告灯", "指示灯",
)
# Words that say nothing about the subject: left out of queries and of the index.
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 是 在 有 和 与 及 或 我 我的 你 您 他 她 它 我们 你们 这 那 这个 那个 "
    "怎么 怎么办 怎样 如何 什么 为什么 哪 哪里 哪儿 多少 多久 几 "
    "可以 能 能不能 会 要 需要 应该 一下 一个 请问 想 就 也 都 还 又 么 该 "
    "a an the is are was be to of in on at for and or my i me we you it this that how what why when where "
    "which do does can could should would will with from by about please".split()
)
# A customer's word -> the word the articles use: applied to the query only.
SYNONYMS = {
    "电瓶": ("蓄电池",), "蓄电池": ("电瓶",), "刹车": ("制动",), "制动": ("刹车",), "轮胎": ("胎压", "tyre"),
    "tire": ("tyre",), "tyre": ("tire",), "保修": ("质保",), "质保": ("保修",), "维修": ("修理",),
    # "车灯亮了", "有个灯亮了": a light on the dashboard, which the articles call a warning light
    **dict.fromkeys(("灯亮", "灯亮了", "亮灯", "指示灯"), ("警告灯", "故障灯")),  # not 红灯: also a traffic light
}

_WORD = re.compile(r"\w+")
_loaded = threading.Lock()
_jieba = None


def _cutter():
    """jieba, loaded and quiet, once per process."""
    global _jieba
    if _jieba is None:
        with _loaded:
            if _jieba is None:
                with warnings.catch_warnings():  # jieba 0.42 imports the deprecated pkg_resources
                    warnings.simplefilter("ignore")
                    import jieba
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                for word in TRADE_WORDS:
                    jieba.add_word(word)
                _jieba = jieba
    return _jieba


def _plain(word: str) -> str:
    word = word.lower()
    if word.isascii() and len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]  # tyres -> tyre, lights -> light; the index and the query cut alike
    return word


def words(text: str) -> list[str]:
    """The words of `text`, in order, lowercased, without punctuation or stopwords."""
    if not text:
        return []
    found = []
    for piece in _cutter().cut_for_search(text):
        for word in _WORD.findall(piece):  # "5w-30" -> 5w, 30; punctuation goes
            word = _plain(word)
            if word not in STOPWORDS and word != "_":
                found.append(word)
    return found


def indexed(text: str) -> str:
    """The text as the index stores it: its words separated by spaces."""
    return " ".join(words(text))


def query_words(text: str) -> list[str]:
    """The distinct words of a question, each once, with the words the articles use for them."""
    seen = {}
    for word in words(text):
        seen[word] = None
        for other in SYNONYMS.get(word, ()):
            seen[other] = None
    return list(seen)
