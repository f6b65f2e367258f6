"""Skills-, value- and aging-based routing of contacts to agents (plain Python, no Django)."""

from .engine import Explanation, Offer, RoutingEngine, Unroutable
from .model import CHANNELS, Agent, AgentState, Contact, Requirement
from .policy import ExpansionStep, Fallback, FallbackDecision, RoutingPolicy

__all__ = [
    "CHANNELS", "Agent", "AgentState", "Contact", "ExpansionStep", "Explanation", "Fallback", "FallbackDecision",
    "Offer", "Requirement", "RoutingEngine", "RoutingPolicy", "Unroutable",
]
