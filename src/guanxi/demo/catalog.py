"""The fixed vocabulary of the demo: regions, cities, outlets, the model line-up and prices.

Kept as plain data in one place so that the org tree, the generator and the tests agree on
the same cities, codes and prices, and so that a reader can check them against the real
network (a Shanghai-Volkswagen-like line-up sold through 4S stores in Chinese cities).
"""

from typing import NamedTuple


class Region(NamedTuple):
    code: str
    name: str
    name_en: str


class City(NamedTuple):
    name: str
    name_en: str
    province: str
    plate_prefix: str
    districts: tuple[str, ...]
    region: str


class Outlet(NamedTuple):
    """A dealer (4S store) or a service station; `weight` is its share of the customers."""

    code: str
    city: str
    district: str
    has_service: bool
    weight: int = 1


class CarModel(NamedTuple):
    name: str
    vds: str  # VIN positions 4-8: body, engine, restraint system of this model
    price_min: int  # CNY, manufacturer's suggested retail price of the cheapest trim
    price_max: int
    first_year: int  # first model year on sale
    popularity: int
    new_energy: bool = False


HQ_CODE = "HQ"
CALL_CENTER_CODE = "CC"

REGIONS = (
    Region("R-EAST", "华东大区", "East China"),
    Region("R-SOUTH", "华南大区", "South China"),
    Region("R-NORTH", "华北大区", "North China"),
    Region("R-WEST", "西部大区", "West China"),
)

_CITIES = (
    City("上海", "Shanghai", "上海市", "沪A", ("浦东新区", "闵行区", "徐汇区", "嘉定区", "宝山区"), "R-EAST"),
    City("杭州", "Hangzhou", "浙江省", "浙A", ("西湖区", "滨江区", "萧山区", "余杭区"), "R-EAST"),
    City("南京", "Nanjing", "江苏省", "苏A", ("鼓楼区", "江宁区", "建邺区", "玄武区"), "R-EAST"),
    City("苏州", "Suzhou", "江苏省", "苏E", ("姑苏区", "吴中区", "工业园区", "相城区"), "R-EAST"),
    City("宁波", "Ningbo", "浙江省", "浙B", ("鄞州区", "海曙区", "江北区"), "R-EAST"),
    City("合肥", "Hefei", "安徽省", "皖A", ("蜀山区", "包河区", "庐阳区"), "R-EAST"),
    City("济南", "Jinan", "山东省", "鲁A", ("历下区", "市中区", "槐荫区"), "R-EAST"),
    City("青岛", "Qingdao", "山东省", "鲁B", ("市南区", "崂山区", "黄岛区"), "R-EAST"),
    City("福州", "Fuzhou", "福建省", "闽A", ("鼓楼区", "台江区", "仓山区"), "R-EAST"),
    City("广州", "Guangzhou", "广东省", "粤A", ("天河区", "越秀区", "海珠区", "番禺区", "白云区"), "R-SOUTH"),
    City("深圳", "Shenzhen", "广东省", "粤B", ("南山区", "福田区", "宝安区", "龙岗区"), "R-SOUTH"),
    City("东莞", "Dongguan", "广东省", "粤S", ("南城街道", "东城街道", "长安镇"), "R-SOUTH"),
    City("佛山", "Foshan", "广东省", "粤E", ("禅城区", "南海区", "顺德区"), "R-SOUTH"),
    City("厦门", "Xiamen", "福建省", "闽D", ("思明区", "湖里区", "集美区"), "R-SOUTH"),
    City("南宁", "Nanning", "广西壮族自治区", "桂A", ("青秀区", "兴宁区", "西乡塘区"), "R-SOUTH"),
    City("长沙", "Changsha", "湖南省", "湘A", ("岳麓区", "芙蓉区", "雨花区"), "R-SOUTH"),
    City("武汉", "Wuhan", "湖北省", "鄂A", ("江汉区", "武昌区", "洪山区", "汉阳区"), "R-SOUTH"),
    City("北京", "Beijing", "北京市", "京A", ("朝阳区", "海淀区", "丰台区", "大兴区", "顺义区"), "R-NORTH"),
    City("天津", "Tianjin", "天津市", "津A", ("和平区", "南开区", "河西区", "滨海新区"), "R-NORTH"),
    City("石家庄", "Shijiazhuang", "河北省", "冀A", ("长安区", "桥西区", "裕华区"), "R-NORTH"),
    City("太原", "Taiyuan", "山西省", "晋A", ("小店区", "迎泽区", "杏花岭区"), "R-NORTH"),
    City("郑州", "Zhengzhou", "河南省", "豫A", ("金水区", "二七区", "郑东新区"), "R-NORTH"),
    City("沈阳", "Shenyang", "辽宁省", "辽A", ("和平区", "沈河区", "浑南区"), "R-NORTH"),
    City("大连", "Dalian", "辽宁省", "辽B", ("中山区", "沙河口区", "甘井子区"), "R-NORTH"),
    City("哈尔滨", "Harbin", "黑龙江省", "黑A", ("南岗区", "道里区", "香坊区"), "R-NORTH"),
    City("成都", "Chengdu", "四川省", "川A", ("武侯区", "锦江区", "高新区", "成华区"), "R-WEST"),
    City("重庆", "Chongqing", "重庆市", "渝A", ("渝中区", "江北区", "渝北区", "九龙坡区"), "R-WEST"),
    City("西安", "Xi'an", "陕西省", "陕A", ("雁塔区", "碑林区", "未央区"), "R-WEST"),
    City("昆明", "Kunming", "云南省", "云A", ("五华区", "盘龙区", "官渡区"), "R-WEST"),
    City("贵阳", "Guiyang", "贵州省", "贵A", ("云岩区", "南明区", "观山湖区"), "R-WEST"),
    City("兰州", "Lanzhou", "甘肃省", "甘A", ("城关区", "七里河区", "安宁区"), "R-WEST"),
    City("乌鲁木齐", "Urumqi", "新疆维吾尔自治区", "新A", ("天山区", "沙依巴克区", "新市区"), "R-WEST"),
)
CITIES = {city.name: city for city in _CITIES}

# Dealers (4S stores) D001..D040: the big cities have several. Most have a service department.
DEALERS = tuple(
    Outlet(f"D{number:03d}", city, district, has_service, weight)
    for number, (city, district, has_service, weight) in enumerate(
        (
            ("上海", "浦东新区", True, 5), ("上海", "闵行区", True, 4), ("上海", "嘉定区", True, 3),
            ("杭州", "西湖区", True, 3), ("杭州", "萧山区", False, 2), ("南京", "江宁区", True, 3),
            ("苏州", "工业园区", True, 3), ("宁波", "鄞州区", True, 2), ("合肥", "蜀山区", True, 2),
            ("济南", "历下区", True, 2), ("青岛", "崂山区", False, 2), ("福州", "仓山区", True, 1),
            ("广州", "天河区", True, 4), ("广州", "番禺区", True, 3), ("深圳", "南山区", True, 4),
            ("深圳", "龙岗区", False, 2), ("东莞", "南城街道", True, 2), ("佛山", "南海区", True, 2),
            ("厦门", "湖里区", True, 1), ("南宁", "青秀区", False, 1), ("长沙", "岳麓区", True, 2),
            ("武汉", "洪山区", True, 3), ("北京", "朝阳区", True, 5), ("北京", "海淀区", True, 4),
            ("北京", "大兴区", False, 2), ("天津", "河西区", True, 3), ("石家庄", "裕华区", True, 2),
            ("太原", "小店区", True, 1), ("郑州", "金水区", True, 2), ("沈阳", "浑南区", True, 2),
            ("大连", "甘井子区", False, 1), ("哈尔滨", "南岗区", True, 1), ("成都", "武侯区", True, 4),
            ("成都", "高新区", True, 2), ("重庆", "渝北区", True, 3), ("西安", "雁塔区", True, 3),
            ("昆明", "官渡区", True, 1), ("贵阳", "观山湖区", False, 1), ("兰州", "城关区", True, 1),
            ("乌鲁木齐", "新市区", True, 1),
        ),
        start=1,
    )
)

# Independent service stations S001..S010: at least two per region, where dealers lack service.
SERVICE_STATIONS = tuple(
    Outlet(f"S{number:03d}", city, district, True)
    for number, (city, district) in enumerate(
        (
            ("上海", "宝山区"), ("杭州", "萧山区"), ("青岛", "黄岛区"),
            ("深圳", "龙岗区"), ("南宁", "西乡塘区"), ("广州", "白云区"),
            ("北京", "大兴区"), ("大连", "中山区"),
            ("贵阳", "南明区"), ("成都", "成华区"),
        ),
        start=1,
    )
)

CAR_MODELS = (
    CarModel("桑塔纳 Santana", "BA21C", 79_900, 109_900, 2013, 16),
    CarModel("朗逸 Lavida", "CA41B", 109_900, 159_900, 2013, 30),
    CarModel("凌渡 Lamando", "CB41L", 149_900, 199_900, 2015, 9),
    CarModel("途岳 Tharu", "DA21T", 149_900, 199_900, 2019, 10),
    CarModel("帕萨特 Passat", "EB62P", 189_900, 279_900, 2013, 14),
    CarModel("途观L Tiguan L", "DB63T", 219_900, 299_900, 2017, 13),
    CarModel("ID.4 X", "EV4XA", 179_900, 269_900, 2021, 6, new_energy=True),
    CarModel("途昂 Teramont", "DC83T", 299_900, 399_900, 2017, 5),
)
FLEET_MODELS = (CAR_MODELS[0], CAR_MODELS[1], CAR_MODELS[6])
CORPORATE_MODELS = (CAR_MODELS[4], CAR_MODELS[5], CAR_MODELS[7])

# Where Chinese customers keep their mail, by rough share: a QQ number at qq.com is the commonest
# address; a mobile number at the carrier's mail (139.com China Mobile, 189.cn China Telecom) or
# at 163.com; else a pinyin handle with digits, mostly at NetEase (163.com, 126.com).
EMAIL_STYLES = {"qq_number": 30, "mobile": 10, "handle": 60}
HANDLE_EMAIL_DOMAINS = {
    "163.com": 32, "126.com": 15, "qq.com": 10, "gmail.com": 9, "sina.com": 8, "outlook.com": 8, "foxmail.com": 5,
    "hotmail.com": 4, "yeah.net": 3, "sohu.com": 2,
}
COMPANY_EMAIL_DOMAINS = {"163.com": 5, "126.com": 3, "qq.com": 2, "sina.com": 1}
# The carrier's own mailbox of a mobile prefix; China Unicom's numbers go to 163.com's mobile mailboxes.
CARRIER_MAIL = {
    **dict.fromkeys(("134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182",
                     "183", "187", "188", "198"), "139.com"),
    **dict.fromkeys(("133", "153", "177", "180", "181", "189", "199"), "189.cn"),
}


class IdRegion(NamedTuple):
    """A region code (GB/T 2260) that starts resident ID numbers, and the birth years for which
    it is valid: the product checks an ID number with python-stdnum, which accepts a county code
    only for people born while the county existed (Pudong's 310115 since 1992)."""

    code: str
    since: int = 0
    until: int = 9999


_R = IdRegion
# Per city: its districts' codes first, then the city's own code (310100 …) for the years
# before the districts got theirs; Chongqing was a city of Sichuan (5102xx) until 1997, and
# Dongguan a county of Huiyang prefecture (4425xx) until 1988.
ID_REGIONS = {
    "上海": (_R("310115", 1992), _R("310112", 1981), _R("310104"), _R("310114", 1992), _R("310113", 1988),
        _R("310100")),
    "杭州": (_R("330106", 1983), _R("330108", 1996), _R("330109", 2001), _R("330110", 2001), _R("330100")),
    "南京": (_R("320106", 1983), _R("320115", 2000), _R("320105", 1983), _R("320102", 1983), _R("320100")),
    "苏州": (_R("320508", 2012), _R("320506", 2000), _R("320507", 2000), _R("320500")),
    "宁波": (_R("330212", 2002), _R("330203", 1983), _R("330205", 1983), _R("330200")),
    "合肥": (_R("340104", 1983), _R("340111", 1983), _R("340103", 1983), _R("340100")),
    "济南": (_R("370102", 1983), _R("370103", 1983), _R("370104", 1983), _R("370100")),
    "青岛": (_R("370202", 1983), _R("370212", 1988), _R("370211", 1983), _R("370200")),
    "福州": (_R("350102", 1983), _R("350103", 1983), _R("350104", 1983), _R("350100")),
    "广州": (_R("440106", 1985), _R("440104", 1983), _R("440105", 1983), _R("440113", 2000), _R("440111", 1983),
        _R("440100")),
    "深圳": (_R("440305", 1983), _R("440304", 1983), _R("440306", 1992), _R("440307", 1992), _R("440300")),
    "东莞": (_R("441900", 1988), _R("442502", 1985, 1988), _R("442527", 0, 1985)),
    "佛山": (_R("440604", 2002), _R("440605", 2002), _R("440606", 2002), _R("440600")),
    "厦门": (_R("350203", 1983), _R("350206", 1987), _R("350211", 1983), _R("350200")),
    "南宁": (_R("450103", 1983), _R("450102", 1983), _R("450107", 2004), _R("450100")),
    "长沙": (_R("430104", 1983), _R("430102", 1983), _R("430111", 1983), _R("430100")),
    "武汉": (_R("420103", 1983), _R("420106", 1983), _R("420111", 1983), _R("420105", 1983), _R("420100")),
    "北京": (_R("110105"), _R("110108"), _R("110106"), _R("110115", 2001), _R("110113", 1998), _R("110100")),
    "天津": (_R("120101"), _R("120104"), _R("120103"), _R("120116", 2009), _R("120100")),
    "石家庄": (_R("130102", 1983), _R("130104", 1983), _R("130108", 2001), _R("130100")),
    "太原": (_R("140105", 1997), _R("140106", 1997), _R("140107", 1997), _R("140100")),
    "郑州": (_R("410105", 1983), _R("410103", 1983), _R("410100")),
    "沈阳": (_R("210102", 1983), _R("210103", 1983), _R("210112", 1983), _R("210100")),
    "大连": (_R("210202", 1983), _R("210204", 1983), _R("210211", 1983), _R("210200")),
    "哈尔滨": (_R("230103", 1983), _R("230102", 1983), _R("230106", 1983, 2006), _R("230110", 2006), _R("230100")),
    "成都": (_R("510107", 1990), _R("510104", 1990), _R("510108", 1990), _R("510100")),
    "重庆": (_R("500103", 1997), _R("500105", 1997, 2025), _R("500112", 1997, 2025), _R("500107", 1997),
        _R("500100", 1997), _R("510202", 1983, 1997), _R("510211", 1983, 1997), _R("510200", 0, 1997)),
    "西安": (_R("610113", 1983), _R("610103", 1983), _R("610112", 1983), _R("610100")),
    "昆明": (_R("530102", 1983), _R("530103", 1983), _R("530111", 1983), _R("530100")),
    "贵阳": (_R("520103", 1983), _R("520102", 1983), _R("520115", 2012), _R("520100")),
    "兰州": (_R("620102", 1983), _R("620103", 1983), _R("620105", 1983), _R("620100")),
    "乌鲁木齐": (_R("650102", 1983), _R("650103", 1983), _R("650104", 1983), _R("650100")),
}
