"""How to reach a demo customer and what they agreed to: contact points and consents.

Every customer has a unique mobile number (derived from the id, see identifiers.py); some
have an e-mail address (unique too: a QQ number, the mobile number or a handle ending in digits
derived from the id), a WeChat ID, a postal address in their dealer's city. A few
contact points are opted out, and the consent for marketing on that channel is then
refused, so that the demo exercises the opt-out rules of the senders (PIPL / GDPR).
"""

import random

from faker import Faker

from guanxi.demo import identifiers
from guanxi.demo.catalog import CARRIER_MAIL, COMPANY_EMAIL_DOMAINS, EMAIL_STYLES, HANDLE_EMAIL_DOMAINS
from guanxi.demo.timeline import Timeline

CONSENT_WAYS = ("线上表单", "录音电话", "纸质签字", "微信授权")  # data, in the language it was recorded in
OPT_OUT_RATE = 0.05
_STYLES, _STYLE_WEIGHTS = tuple(EMAIL_STYLES), tuple(EMAIL_STYLES.values())
_HANDLE_DOMAINS, _HANDLE_DOMAIN_WEIGHTS = tuple(HANDLE_EMAIL_DOMAINS), tuple(HANDLE_EMAIL_DOMAINS.values())
_COMPANY_DOMAINS, _COMPANY_DOMAIN_WEIGHTS = tuple(COMPANY_EMAIL_DOMAINS), tuple(COMPANY_EMAIL_DOMAINS.values())


class ContactBook:
    """Builds the contact point and consent rows of one chunk (columns as in tables.py)."""

    def __init__(self, rng: random.Random, fake: Faker, timeline: Timeline, next_contact_id, next_consent_id):
        self.rng = rng
        self.fake = fake
        self.timeline = timeline
        self.next_contact_id = next_contact_id
        self.next_consent_id = next_consent_id
        self.contact_rows: list[tuple] = []
        self.consent_rows: list[tuple] = []

    def add_customer(self, customer) -> None:
        rng = self.rng
        mobile = identifiers.mobile_for(customer.id)
        opted_out = {"phone": self._contact(customer, "phone", mobile, "+86" + mobile, primary=True)}
        opted_out["sms"] = opted_out["phone"]
        if rng.random() < (0.9 if customer.is_company else 0.4):
            email = self._email(customer, mobile)
            opted_out["email"] = self._contact(customer, "email", email, email)
        if rng.random() < 0.6:
            wechat = identifiers.wechat_id_for(customer.latin_name, customer.id)
            opted_out["wechat"] = self._contact(customer, "wechat", wechat, wechat)
        if rng.random() < 0.5:
            district = rng.choice(customer.dealer.city.districts)
            self._contact(customer, "address", self._address(customer, district), None, district=district)
        self._consents(customer, opted_out)

    def _contact(self, customer, kind: str, value: str, normalized: str | None, primary: bool = False,
                 district: str = "") -> bool:
        """Append a contact point; returns whether it is opted out."""
        city = customer.dealer.city
        opted_out = kind != "address" and self.rng.random() < OPT_OUT_RATE
        opted_out_at = self.timeline.moment(self.rng.randrange(customer.first_day, self.timeline.last_day + 1)) \
            if opted_out else None
        self.contact_rows.append((
            self.next_contact_id(), customer.id, kind, value, normalized if normalized is not None else value,
            city.province, city.name, district, primary, opted_out, opted_out_at,
        ))
        return opted_out

    def _email(self, customer, mobile: str) -> str:
        """A company's free mailbox named after the firm; a person's QQ number, mobile number or pinyin handle."""
        rng = self.rng
        if customer.is_company:
            domain = rng.choices(_COMPANY_DOMAINS, _COMPANY_DOMAIN_WEIGHTS)[0]
            return identifiers.company_email_for(customer.latin_name, customer.dealer.city.name_en, customer.id, domain)
        style = rng.choices(_STYLES, _STYLE_WEIGHTS)[0]
        if style == "qq_number":
            return f"{identifiers.qq_number_for(customer.id)}@qq.com"
        if style == "mobile":
            return f"{mobile}@{CARRIER_MAIL.get(mobile[:3], '163.com')}"
        domain = rng.choices(_HANDLE_DOMAINS, _HANDLE_DOMAIN_WEIGHTS)[0]
        return identifiers.handle_email_for(customer.latin_name, customer.id, rng.randrange(5), domain)

    def _address(self, customer, district: str) -> str:
        """"浙江省杭州西湖区沈阳街123号5栋1203室": a Faker street in the customer's city and district."""
        city, rng = customer.dealer.city, self.rng
        building = f"{rng.randint(1, 999)}号{rng.randint(1, 30)}栋{rng.randint(1, 32)}0{rng.randint(1, 6)}室"
        return f"{city.province}{city.name}{district}{self.fake.street_name()}{building}"

    def _consents(self, customer, opted_out_by_channel: dict[str, bool]) -> None:
        """Service reminders by SMS for everyone; marketing on each channel the customer gave, unless opted out."""
        wanted = [("sms", "service", 0.95), ("phone", "survey", 0.7)]
        wanted += [(channel, "marketing", 0.65) for channel in opted_out_by_channel if channel != "phone"]
        if self.rng.random() < 0.5:
            wanted.append(("wechat" if "wechat" in opted_out_by_channel else "sms", "profiling", 0.5))
        recorded_at = self.timeline.moment(customer.first_day)
        how = self.rng.choice(CONSENT_WAYS)
        for channel, purpose, grant_rate in wanted:
            granted = self.rng.random() < grant_rate and not (purpose == "marketing" and opted_out_by_channel[channel])
            self.consent_rows.append((self.next_consent_id(), customer.id, channel, purpose, granted, recorded_at, how))
