"""The demo knowledge base: about fifty car service articles (maintenance intervals, warranty, warning
lights, tyre pressure, charging an EV, roadside assistance, booking, complaints …) in Chinese with
English titles and tags where a customer might use the English word, written by the call center's
supervisor and published by the administrator through the same services as the pages (four eyes),
a few left as drafts or in review. The search benchmark (bench/knowledge.py) reads the same data.
"""

from django.db import transaction

from guanxi.core.models import User
from guanxi.core.roles import Role

CATEGORIES = [
    ("保养", "Maintenance"), ("保修与三包", "Warranty"), ("故障与警示灯", "Warning lights"), ("轮胎", "Tyres"),
    ("新能源与充电", "EV and charging"), ("道路救援", "Roadside assistance"), ("预约与到店", "Booking"),
    ("投诉与建议", "Complaints"), ("用车常识", "Using the car"), ("购车与金融", "Buying and finance"),
    ("保险与理赔", "Insurance"),
]

# (key, category, title, question, answer, steps, tags, standard)
ARTICLES = [
    ("interval", "保养", "保养周期 Maintenance interval", "多久保养一次？保养周期是多少公里？",
     "燃油车一般每 10000 公里或 12 个月保养一次，以先到者为准；在灰尘大、短途频繁的条件下建议 7500 公里保养。",
     ["查看仪表盘上的保养提示里程", "对照保养手册确认本次保养项目", "提前预约到店"],
     ["保养", "maintenance", "service interval"], True),
    ("first_service", "保养", "首保 First free service", "新车首保什么时候做？首次保养免费吗？",
     "新车首保在 5000 公里或购车后 6 个月内进行，以先到者为准，首保的工时和机油机滤免费。",
     ["携带保养手册和行驶证", "预约授权经销商", "逾期将失去免费首保资格"], ["首保", "free service", "保养"], True),
    ("oil", "保养", "机油规格与更换 Engine oil", "我的车用什么机油？多久换一次机油？",
     "请使用符合大众 VW 504 00/507 00 认证的 5W-30 全合成机油，随常规保养每 10000 公里更换一次，同时更换机油滤芯。",
     ["检查机油尺油位在 MIN 与 MAX 之间", "油位低于 MIN 时及时补充同规格机油"], ["机油", "engine oil", "5W-30"], True),
    ("air_filter", "保养", "空调滤芯更换 Cabin air filter", "空调有异味，空调滤芯多久换？",
     "空调滤芯建议每 20000 公里或每年更换；空调有霉味时，可同时做一次空调系统清洗杀菌。",
     ["到店更换空调滤芯", "夏季停车前提前关闭 A/C 吹干蒸发箱"], ["空调", "air filter", "异味"], False),
    ("brake_fluid", "保养", "制动液更换 Brake fluid", "刹车油要换吗？多久换一次？",
     "制动液（刹车油）会吸收水分，建议每 2 年或 40000 公里更换一次，不论行驶里程多少。",
     ["到店检测制动液含水量", "含水量超过 3% 时立即更换"], ["刹车油", "brake fluid", "制动"], False),
    ("coolant", "保养", "防冻液 Coolant", "防冻液需要检查吗？冬天要加防冻液吗？",
     "防冻液（冷却液）液位应保持在 MIN 与 MAX 之间，建议每 4 年或 60000 公里更换，北方冬季前检查冰点。",
     ["冷车时检查膨胀水壶液位", "不要混用不同颜色的防冻液"], ["防冻液", "coolant", "冬季"], False),
    ("battery12v", "保养", "蓄电池保养 12V battery", "电瓶多久换一次？电瓶没电怎么办？",
     "12V 蓄电池一般使用 3 到 5 年；长时间停放请每两周启动车辆行驶 20 分钟，避免亏电。",
     ["熄火后关闭车灯和用电设备", "蓄电池亏电时可联系道路救援搭电"], ["电瓶", "battery", "亏电"], False),
    ("wipers", "保养", "雨刮更换 Wiper blades", "雨刮刮不干净怎么办？",
     "雨刮片是易损件，建议每年更换一次；刮不干净、有异响时请先清洁玻璃和雨刮胶条，仍不好请更换。",
     ["用玻璃水清洁挡风玻璃", "检查雨刮胶条是否老化开裂"], ["雨刮", "wiper"], False),
    ("maintenance_cost", "保养", "保养价格 Maintenance cost", "保养一次大概多少钱？小保养大保养价格？",
     "小保养（机油、机滤）约 500 至 800 元，大保养（另加空气滤芯、空调滤芯、"
     "火花塞等）约 1200 至 2000 元，以经销商报价为准。",
     ["在 App 中查看所在经销商的保养套餐价格"], ["保养价格", "cost", "price"], True),
    ("warranty_terms", "保修与三包", "整车质保条款 Vehicle warranty", "新车质保多久？保修期是几年？",
     "整车质保期为 3 年或 100000 公里，以先到者为准；发动机、变速箱等主要总成享受同样期限的保修。",
     ["质保期内故障请到授权经销商维修", "保留保养记录，未按时保养可能影响保修"], ["质保", "warranty", "保修期"], True),
    ("three_guarantees", "保修与三包", "三包政策 Three guarantees (lemon law)", "三包政策是什么？能退换车吗？",
     "根据家用汽车三包规定，三包有效期为 2 年或 50000 公里；购车 60 日或 3000 公里内，"
     "转向或制动系统严重故障可选择换车或退车。",
     ["保留购车发票和三包凭证", "到经销商提出三包申请并出具维修记录"], ["三包", "退换车", "lemon law"], True),
    ("warranty_exclusions", "保修与三包", "不在保修范围内的项目 Warranty exclusions", "哪些零件不保修？轮胎保修吗？",
     "易损件（刹车片、雨刮、灯泡、滤芯等）按其各自期限保修；人为损坏、"
     "事故、改装及未按规定保养导致的故障不在保修范围内。",
     [], ["保修范围", "exclusion", "易损件"], False),
    ("extended_warranty", "保修与三包", "延保 Extended warranty", "可以买延保吗？延保多少钱？",
     "原厂延保可在整车质保到期前购买，可延长 1 至 3 年，价格视车型和年限而定，约 2000 至 6000 元。",
     ["到经销商或在 App 购买延保", "延保生效后保养仍需按时进行"], ["延保", "extended warranty"], False),
    ("battery_warranty", "保修与三包", "动力电池质保 EV battery warranty", "电动车电池保修多久？",
     "新能源车的动力电池质保 8 年或 160000 公里，首任车主在正常使用下享受终身质保，容量衰减低于 70% 可申请保修。",
     ["到授权服务站检测电池健康度"], ["电池", "battery warranty", "新能源"], True),
    ("engine_light", "故障与警示灯", "发动机故障灯亮 Engine warning light", "发动机故障灯亮了怎么办？还能开吗？",
     "发动机故障灯常亮说明排放或发动机系统有故障，可低速行驶到最近的服务站检查；灯闪烁时请立即停车并联系救援。",
     ["检查油箱盖是否拧紧", "降低车速避免急加速", "尽快到店读取故障码"], ["故障灯", "engine light", "发动机"], True),
    ("oil_light", "故障与警示灯", "机油压力警告灯 Oil pressure light", "红色机油灯亮了是什么意思？",
     "红色机油压力灯亮表示机油压力过低，继续行驶可能损坏发动机，请立即安全停车熄火并检查机油油位。",
     ["安全停车并熄火", "检查机油油位", "油位正常仍亮灯时联系道路救援"], ["机油灯", "oil light"], True),
    ("tpms_light", "故障与警示灯", "胎压警告灯 Tyre pressure warning light", "胎压灯亮了怎么办？",
     "胎压警告灯亮表示有轮胎气压过低或胎压监测需要重新学习，请检查四个轮胎的气压并按标准充气后在车机中重置胎压监测。",
     ["检查轮胎是否扎钉", "按车门标签充气", "在车机设置中重置胎压监测"], ["胎压灯", "TPMS", "轮胎"], True),
    ("brake_light", "故障与警示灯", "制动系统警告灯 Brake warning light", "刹车灯在仪表上亮了怎么办？",
     "仪表上红色制动警告灯亮可能是手刹未松、制动液不足或制动系统故障；请先确认手刹已松开，否则请停车并联系服务站。",
     ["确认电子手刹已释放", "检查制动液液位"], ["刹车", "brake light", "制动"], False),
    ("battery_light", "故障与警示灯", "充电系统警告灯 Battery charging light", "电瓶灯亮了是什么原因？",
     "电瓶形状的警告灯亮表示发电机不充电，蓄电池会逐渐没电，请关闭不必要的用电设备并尽快到店检查。",
     [], ["电瓶灯", "battery light", "发电机"], False),
    ("brake_noise", "故障与警示灯", "刹车异响 Brake noise", "刹车的时候有吱吱的异响怎么办？",
     "刹车异响常见原因是刹车片磨损到极限、刹车盘生锈或有异物；磨损报警片发出尖锐声时请尽快更换刹车片。",
     ["检查刹车片厚度，低于 3 毫米需更换", "雨后轻微异响多为刹车盘浮锈，行驶后会消失"],
     ["刹车异响", "brake noise", "刹车片"], True),
    ("ac_not_cold", "故障与警示灯", "空调不制冷 Air conditioning not cooling", "空调不凉了，不制冷怎么回事？",
     "空调不制冷常见原因有冷媒不足、压缩机故障或冷凝器脏堵，请到店检测空调压力并查漏。",
     ["确认 A/C 按钮已打开", "到店检测冷媒压力"], ["空调", "air conditioning", "不制冷"], False),
    ("shaking", "故障与警示灯", "怠速抖动 Engine shaking at idle", "车子怠速的时候抖得厉害？",
     "怠速抖动可能由点火线圈、火花塞、积碳或发动机脚垫老化引起，请到店诊断。",
     [], ["抖动", "idle", "发动机"], False),
    ("pressure", "轮胎", "标准胎压 Tyre pressure", "轮胎气压打多少合适？标准胎压是多少？",
     "标准胎压印在驾驶员侧车门框的标签上，一般前轮 2.3 bar、后轮 2.3 bar，满载时按标签上的满载值充气；请在冷胎时测量。",
     ["每月检查一次胎压（含备胎）", "冷胎状态下测量", "按车门标签数值充气"], ["胎压", "tyre pressure", "tire"], True),
    ("puncture", "轮胎", "轮胎扎钉补胎 Tyre puncture repair", "轮胎扎了钉子能补吗？",
     "胎面扎钉且伤口小于 6 毫米可以补胎；胎侧受伤或鼓包不能修补，必须更换轮胎。",
     ["不要拔出钉子，低速开到附近维修点", "胎侧鼓包立即更换轮胎"], ["补胎", "puncture", "轮胎"], True),
    ("replace_tyres", "轮胎", "轮胎更换 When to replace tyres", "轮胎多久换一次？胎纹多深要换？",
     "轮胎花纹深度低于 1.6 毫米的磨损标记时必须更换，建议使用 5 到 6 年或出现老化裂纹时更换。",
     ["检查胎面磨损标记", "同轴两条轮胎一起更换"], ["换轮胎", "tyre replacement", "tread"], False),
    ("rotation", "轮胎", "轮胎换位与四轮定位 Tyre rotation and alignment", "要做四轮定位吗？车子跑偏怎么办？",
     "车辆跑偏、方向盘不正或轮胎偏磨时需要做四轮定位；建议每 10000 公里做一次轮胎换位。",
     [], ["四轮定位", "alignment", "跑偏"], False),
    ("spare", "轮胎", "更换备胎 Changing to the spare wheel", "爆胎了怎么换备胎？",
     "在安全地点停车，打开双闪并放置三角警示牌，用随车工具拧松螺栓、顶起车辆后更换备胎；备胎限速 80 公里每小时。",
     ["打开双闪，放置警示牌于车后 150 米", "用千斤顶顶起车辆并更换备胎", "尽快修复或更换原轮胎"],
     ["备胎", "spare", "爆胎"], True),
    ("home_charger", "新能源与充电", "家用充电桩安装 Home charger installation", "怎么申请安装家用充电桩？",
     "购车后可申请免费安装家用交流充电桩：需要固定车位和物业同意，厂家安排安装商上门勘测安装。",
     ["准备车位产权或租赁证明", "取得物业同意", "在 App 提交安装申请"], ["充电桩", "home charger", "安装"], True),
    ("charging_howto", "新能源与充电", "如何给电动车充电 How to charge an EV", "电动车怎么充电？快充和慢充有什么区别？",
     "慢充使用交流充电桩，充满约 8 到 10 小时；快充使用直流充电桩，"
     "30 分钟可从 30% 充到 80%。日常建议慢充，长途使用快充。",
     ["车辆挂 P 挡并熄火", "打开充电口，插入充电枪", "在充电桩或 App 上启动充电"],
     ["充电", "charging", "快充", "EV"], True),
    ("range", "新能源与充电", "续航里程与冬季续航 Range in winter", "冬天续航掉得厉害正常吗？",
     "低温下电池活性下降、空调制热耗电，冬季续航下降 20% 到 30% 属正常现象；出发前预热电池可减少损失。",
     ["使用 App 预约充电和预热", "尽量在车库停车"], ["续航", "range", "冬季"], False),
    ("charge_fail", "新能源与充电", "充电失败怎么办 Charging does not start", "插上充电枪不充电怎么办？",
     "请检查充电枪是否插到位、车辆是否已解锁、充电桩是否故障；可尝试更换充电桩或重新插拔充电枪。",
     ["确认充电枪锁止到位", "查看车机上的充电提示", "仍无法充电时拨打客服热线"],
     ["充电失败", "charging", "充电桩"], False),
    ("battery_care", "新能源与充电", "动力电池日常保养 EV battery care", "电动车电池怎么保养？每次要充满吗？",
     "日常电量保持在 20% 到 80% 之间最好；每月至少充满一次校准电量；长期停放请保持 50% 左右电量。",
     [], ["电池保养", "battery", "新能源"], False),
    ("roadside", "道路救援", "道路救援服务 Roadside assistance", "车坏在路上了怎么叫救援？道路救援免费吗？",
     "质保期内享受 24 小时免费道路救援，包括搭电、换备胎、送油和 100 公里内拖车，请拨打 400 救援热线。",
     ["在安全地点停车并打开双闪", "拨打救援热线并告知位置和车架号", "在车后放置三角警示牌"],
     ["道路救援", "roadside", "拖车"], True),
    ("jump_start", "道路救援", "车辆无法启动 Car won't start", "车打不着火了怎么办？",
     "无法启动多为蓄电池亏电，也可能是钥匙电量不足；可尝试将钥匙贴近启动按钮启动，仍不行请呼叫救援搭电。",
     ["检查仪表是否点亮", "将钥匙贴近启动按钮再试", "联系道路救援搭电"], ["无法启动", "jump start", "搭电"], True),
    ("accident", "道路救援", "发生事故怎么办 After an accident", "出了交通事故第一步做什么？",
     "发生事故请先确保人员安全，打开双闪并放置警示牌，拍照取证后报警和报保险，可同时联系我们的事故救援。",
     ["确保人员安全", "拍照取证", "报警并通知保险公司"], ["事故", "accident", "报险"], False),
    ("booking", "预约与到店", "预约保养维修 Booking a service appointment", "怎么预约保养？可以网上预约吗？",
     "可通过 App、微信公众号或拨打客服热线预约保养维修，选择经销商和时间后会收到确认短信。",
     ["在 App 选择服务类型和经销商", "选择到店时间", "收到确认短信后按时到店"],
     ["预约", "booking", "appointment"], True),
    ("cancel_booking", "预约与到店", "修改或取消预约 Change a booking", "预约了保养时间想改期怎么办？",
     "可在 App 的我的预约中修改或取消，或在预约时间前 2 小时致电经销商。",
     [], ["改期", "取消预约", "reschedule"], False),
    ("pickup", "预约与到店", "上门取送车 Pick-up and delivery service", "可以上门取车去保养吗？",
     "部分城市提供免费上门取送车服务，代驾司机将车辆送至经销商保养后送回，可在预约时选择。",
     [], ["取送车", "pick-up", "代驾"], False),
    ("waiting", "预约与到店", "保养需要多长时间 How long does a service take", "保养要等多久？",
     "小保养约 1 小时，大保养约 2 到 3 小时；预约客户优先进店，休息区提供免费饮品和 Wi-Fi。",
     [], ["等待时间", "duration"], False),
    ("complaint", "投诉与建议", "投诉流程 How to make a complaint", "我要投诉，怎么投诉经销商？",
     "您可拨打客服热线、在 App 或公众号提交投诉，我们在 24 小时内联系您，7 个工作日内给出处理结果并回访。",
     ["说明经销商、时间和问题经过", "保留单据和照片", "等待客服专员联系并确认处理方案"], ["投诉", "complaint"], True),
    ("complaint_progress", "投诉与建议", "投诉处理进度查询 Complaint status", "投诉了怎么查处理进度？",
     "可在 App 的服务记录中查看投诉单状态，或致电客服热线提供投诉单号查询。",
     [], ["投诉进度", "status"], False),
    ("suggestion", "投诉与建议", "意见与建议 Suggestions", "我有建议可以提吗？",
     "欢迎在 App 的意见反馈中提交建议，采纳的建议将获得积分奖励。",
     [], ["建议", "feedback"], False),
    ("bluetooth", "用车常识", "手机蓝牙连接 Connecting a phone by Bluetooth", "手机怎么连车机蓝牙？",
     "在车机设置中打开蓝牙，手机搜索车辆名称并配对，输入车机上显示的配对码即可；支持 CarPlay 和 CarLife。",
     ["打开车机蓝牙", "手机搜索并选择车辆", "确认配对码"], ["蓝牙", "bluetooth", "车机", "CarPlay"], False),
    ("key_battery", "用车常识", "遥控钥匙换电池 Key fob battery", "钥匙没电了怎么办？遥控不灵了？",
     "遥控钥匙使用 CR2032 纽扣电池，可自行更换；钥匙没电时可用机械钥匙开门，将钥匙贴近启动按钮启动。",
     [], ["钥匙", "key", "电池"], False),
    ("fuel", "用车常识", "加什么标号的汽油 Which petrol grade", "我的车加 92 还是 95 号汽油？",
     "请按油箱盖内侧标签加油，涡轮增压发动机一般要求 95 号及以上汽油，加错低标号可能导致爆震。",
     [], ["汽油", "fuel", "95号"], False),
    ("auto_hold", "用车常识", "自动驻车 Auto Hold", "AUTO HOLD 是什么功能？怎么用？",
     "自动驻车在等红灯时自动保持制动，松开刹车车辆不溜车，踩油门自动释放；按下 AUTO HOLD 按钮开启。",
     [], ["自动驻车", "auto hold"], False),
    ("recall", "用车常识", "召回查询 Recall check", "我的车有没有召回？怎么查召回？",
     "可在 App 输入车架号查询召回活动，或访问国家市场监督管理总局缺陷产品召回网站；召回维修免费。",
     ["准备车架号 VIN", "在 App 查询召回", "预约经销商免费维修"], ["召回", "recall", "VIN"], True),
    ("test_drive", "购车与金融", "预约试驾 Booking a test drive", "怎么预约试驾？",
     "可在官网或 App 填写试驾申请，附近经销商会在当天联系您确认时间，试驾需携带驾驶证。",
     [], ["试驾", "test drive"], True),
    ("loan", "购车与金融", "贷款购车 Car loan", "买车可以贷款吗？首付最低多少？",
     "可选择厂家金融贷款，首付最低 15%，期限 1 到 5 年，部分车型享受低息或零息政策，以经销商方案为准。",
     [], ["贷款", "loan", "首付", "finance"], False),
    ("trade_in", "购车与金融", "二手车置换 Trade-in", "旧车可以置换新车吗？有补贴吗？",
     "经销商提供二手车评估和置换服务，置换新车可享受置换补贴，具体金额按车型和活动而定。",
     ["预约旧车评估", "确认评估价格和置换补贴", "办理过户和新车手续"], ["置换", "trade-in", "二手车"], False),
    ("insurance_claim", "保险与理赔", "保险理赔流程 Insurance claim", "车险理赔怎么办理？",
     "出险后请立即报案，按保险公司要求拍照定损，到授权经销商维修可享受直赔服务，无需垫付。",
     ["拨打保险公司电话报案", "拍照并配合定损", "到经销商维修并签字确认"], ["理赔", "insurance", "claim"], False),
    ("insurance_renewal", "保险与理赔", "续保 Insurance renewal", "车险快到期了怎么续保？",
     "经销商在保险到期前 1 个月提醒续保，可到店或在 App 比价续保，续保可获赠保养券。",
     [], ["续保", "renewal", "车险"], False),
    ("spark_plugs", "保养", "火花塞更换 Spark plugs", "火花塞多久换一次？",
     "普通镍合金火花塞建议每 30000 公里更换，铱金火花塞可用到 60000 公里，随大保养一并检查。",
     [], ["火花塞", "spark plug"], False),
    ("gearbox_oil", "保养", "变速箱油更换 Gearbox oil", "变速箱油需要换吗？DSG 换油周期？",
     "双离合（DSG）变速箱油建议每 60000 公里更换，手动变速箱油每 60000 公里检查，换油需用专用设备。",
     [], ["变速箱油", "gearbox", "DSG"], False),
    ("washer_fluid", "用车常识", "玻璃水添加 Washer fluid", "玻璃水怎么加？冬天加什么玻璃水？",
     "打开发动机舱盖，找到蓝色盖子的玻璃水壶加注即可；冬季请使用零下 25 度以下的防冻玻璃水。",
     [], ["玻璃水", "washer fluid"], False),
    ("inspection", "用车常识", "车辆年检 Annual vehicle inspection", "新车几年年检？年检需要准备什么？",
     "非营运小型客车 6 年内免上线检测，每 2 年申领检验标志；第 6 年起上线检测，需带行驶证、交强险保单。",
     ["在交管 12123 App 申领检验标志", "第 6 年起预约检测站上线检测"], ["年检", "inspection"], False),
    ("child_seat", "用车常识", "儿童安全座椅安装 Child seat (ISOFIX)", "儿童座椅怎么装？ISOFIX 接口在哪？",
     "后排座椅靠背与坐垫之间有 ISOFIX 固定接口，将儿童座椅卡扣对准插入听到咔嗒声，再固定上拉带。",
     ["找到后排 ISOFIX 标识", "插入卡扣并确认锁止", "固定顶部拉带"], ["儿童座椅", "ISOFIX", "child seat"], False),
    ("headlight", "故障与警示灯", "大灯不亮 Headlight not working", "大灯不亮了怎么办？灯泡坏了？",
     "大灯不亮多为灯泡烧坏或保险丝熔断；LED 大灯需到店检测更换灯组，卤素灯泡可到店快速更换。",
     [], ["大灯", "headlight", "灯泡"], False),
]

# drafts and articles in review, kept away from customers
DRAFTS = [
    ("ota_draft", "用车常识", "车机 OTA 升级 Over-the-air update", "车机怎么升级？",
     "（草稿）车辆在有网络时会自动提示 OTA 升级，升级时请停车熄火并保持电量 50% 以上。",
     [], ["OTA", "升级"], False),
    ("winter_draft", "保养", "冬季用车注意事项 Winter driving", "冬天用车要注意什么？",
     "（草稿）冬季前检查防冻液、蓄电池和轮胎，雪天减速慢行。", [], ["冬季", "winter"], False),
    ("points_draft", "投诉与建议", "会员积分 Loyalty points", "积分怎么用？",
     "（待审）会员积分可兑换保养券和精品，有效期 2 年。", [], ["积分", "points"], False),
]


def seed_knowledge() -> int:
    """Writes the demo articles once; returns how many were made."""
    from guanxi.knowledge import services
    from guanxi.knowledge.models import Article, ArticleStatus, Category

    if Article.objects.exists():
        return 0
    author = User.objects.filter(username=Role.SUPERVISOR).first()
    reviewer = User.objects.filter(username=Role.ADMIN).first()
    if author is None or reviewer is None:
        return 0
    categories = {}
    for order, (name, name_en) in enumerate(CATEGORIES):
        categories[name] = Category.objects.get_or_create(name=name, defaults={"name_en": name_en,
                                                                                "order": order})[0].pk
    with transaction.atomic():
        for rows, publish in ((ARTICLES, True), (DRAFTS, False)):
            for index, (_key, category, title, question, answer, steps, tags, standard) in enumerate(rows):
                article = services.save_article(author, None, {
                    "title": title, "question": question, "answer": answer, "steps": "\n".join(steps),
                    "standard": standard, "category_id": categories[category], "tags": tags})
                if publish or index % 2:
                    services.step(author, article.pk, "submit")
                if publish:
                    services.step(reviewer, article.pk, "publish")
    return Article.objects.filter(status=ArticleStatus.PUBLISHED).count()
