"""Chinese person and company names with their Latin (pinyin / English) form.

Faker's zh_CN provider draws the Chinese name and the romanised name independently, so
"王芳" would come out as "Li Qiang". The demo needs the two to match (the 360 view shows
both, search finds either), hence these small tables: the most common surnames weighted by
frequency, and given-name characters split by the gender they usually suggest.
"""

import random

# (surname, pinyin, relative frequency in per mille, roughly the 2020 census ranking)
SURNAMES = (
    ("王", "Wang", 71), ("李", "Li", 70), ("张", "Zhang", 66), ("刘", "Liu", 54), ("陈", "Chen", 45),
    ("杨", "Yang", 31), ("黄", "Huang", 23), ("赵", "Zhao", 22), ("吴", "Wu", 20), ("周", "Zhou", 19),
    ("徐", "Xu", 15), ("孙", "Sun", 14), ("马", "Ma", 13), ("朱", "Zhu", 13), ("胡", "Hu", 12),
    ("郭", "Guo", 11), ("何", "He", 10), ("林", "Lin", 10), ("高", "Gao", 10), ("罗", "Luo", 9),
    ("郑", "Zheng", 9), ("梁", "Liang", 8), ("谢", "Xie", 7), ("宋", "Song", 7), ("唐", "Tang", 6),
    ("许", "Xu", 6), ("韩", "Han", 6), ("冯", "Feng", 6), ("邓", "Deng", 6), ("曹", "Cao", 5),
    ("彭", "Peng", 5), ("曾", "Zeng", 5), ("肖", "Xiao", 5), ("田", "Tian", 5), ("董", "Dong", 5),
    ("袁", "Yuan", 4), ("潘", "Pan", 4), ("于", "Yu", 4), ("蒋", "Jiang", 4), ("蔡", "Cai", 4),
    ("余", "Yu", 4), ("杜", "Du", 4), ("叶", "Ye", 4), ("程", "Cheng", 4), ("苏", "Su", 3),
    ("魏", "Wei", 3), ("吕", "Lyu", 3), ("丁", "Ding", 3), ("任", "Ren", 3), ("沈", "Shen", 3),
    ("欧阳", "Ouyang", 1), ("司马", "Sima", 1),
)

MALE_GIVEN = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("勇", "yong"), ("杰", "jie"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("刚", "gang"), ("平", "ping"), ("辉", "hui"),
    ("鹏", "peng"), ("华", "hua"), ("飞", "fei"), ("斌", "bin"), ("宇", "yu"), ("浩", "hao"),
    ("建", "jian"), ("国", "guo"), ("志", "zhi"), ("俊", "jun"), ("海", "hai"), ("峰", "feng"),
    ("文", "wen"), ("博", "bo"), ("晨", "chen"), ("子", "zi"), ("轩", "xuan"), ("东", "dong"),
)
FEMALE_GIVEN = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"),
    ("娟", "juan"), ("霞", "xia"), ("秀", "xiu"), ("玲", "ling"), ("婷", "ting"), ("雪", "xue"),
    ("慧", "hui"), ("颖", "ying"), ("琳", "lin"), ("欣", "xin"), ("怡", "yi"), ("佳", "jia"),
    ("梅", "mei"), ("红", "hong"), ("晓", "xiao"), ("丹", "dan"), ("萍", "ping"), ("倩", "qian"),
    ("雨", "yu"), ("思", "si"), ("琪", "qi"), ("悦", "yue"), ("月", "yue"), ("露", "lu"),
)

_COMPANY_WORDS = (
    ("宏达", "Hongda"), ("恒通", "Hengtong"), ("安达", "Anda"), ("华信", "Huaxin"), ("顺捷", "Shunjie"),
    ("金诚", "Jincheng"), ("远航", "Yuanhang"), ("瑞丰", "Ruifeng"), ("鼎盛", "Dingsheng"), ("天合", "Tianhe"),
    ("博远", "Boyuan"), ("嘉禾", "Jiahe"), ("新锐", "Xinrui"), ("众诚", "Zhongcheng"), ("永泰", "Yongtai"),
)
FLEET_TRADES = (
    ("出租汽车", "Taxi"), ("汽车租赁", "Car Rental"), ("物流", "Logistics"), ("网约车服务", "Ride-hailing"),
)
CORPORATE_TRADES = (
    ("科技", "Technology"), ("建设工程", "Construction"), ("医药", "Pharmaceutical"), ("贸易", "Trading"),
    ("电子", "Electronics"), ("文化传媒", "Media"),
)

_SURNAME_WEIGHTS = [weight for *_, weight in SURNAMES]


def person_name(rng: random.Random, female: bool) -> tuple[str, str]:
    """("王芳", "Wang Fang"): a surname by frequency and one or two given-name characters."""
    surname, surname_latin, _ = rng.choices(SURNAMES, _SURNAME_WEIGHTS)[0]
    pool = FEMALE_GIVEN if female else MALE_GIVEN
    given = rng.sample(pool, 2 if rng.random() < 0.7 else 1)
    given_name = "".join(char for char, _ in given)
    given_latin = "".join(latin for _, latin in given).capitalize()
    return surname + given_name, f"{surname_latin} {given_latin}"


def company_name(rng: random.Random, city_name: str, city_name_en: str, trades) -> tuple[str, str]:
    """("上海宏达物流有限公司", "Shanghai Hongda Logistics Co., Ltd.")."""
    word, word_latin = rng.choice(_COMPANY_WORDS)
    trade, trade_en = rng.choice(trades)
    return f"{city_name}{word}{trade}有限公司", f"{city_name_en} {word_latin} {trade_en} Co., Ltd."
