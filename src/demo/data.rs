//! Seed content for the chatsmart demo: customer names, scripted support
//! conversations and live messages for the fictional shop "Lumen Home"
//! (home electronics and lamps), in English, Traditional Chinese,
//! Simplified Chinese, Japanese and Thai. Pure static data, no dependencies.

use Turn::{Agent, Bot, Customer};

/// A language the demo customers write in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Traditional Chinese (Hong Kong / Taiwan).
    ZhHant,
    /// Simplified Chinese (mainland China).
    ZhHans,
    /// Japanese.
    Ja,
    /// Thai.
    Th,
}

/// All languages, for iteration.
pub const LANGS: [Lang; 5] = [Lang::En, Lang::ZhHant, Lang::ZhHans, Lang::Ja, Lang::Th];

/// Given names per language, to combine with [`family_names`] into display names.
///
/// For En: "First Last" joined with a space; for ZhHant/ZhHans/Ja: family name then
/// given name with no space (陳 + 美玲 -> 陳美玲, 佐藤 + 陽菜 -> 佐藤陽菜); for Th:
/// "First Last" with a space, in Thai script.
pub fn given_names(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "Emma",
            "Olivia",
            "Liam",
            "Noah",
            "Ava",
            "Sophia",
            "James",
            "Lucas",
            "Mia",
            "Isabella",
            "Ethan",
            "Amelia",
            "Benjamin",
            "Charlotte",
            "Daniel",
            "Grace",
            "Henry",
            "Chloe",
            "Jack",
            "Zoe",
            "Ryan",
            "Hannah",
        ],
        Lang::ZhHant => &[
            "美玲", "志明", "家豪", "淑芬", "嘉欣", "俊傑", "詠琪", "子軒", "怡君", "建宏", "雅婷",
            "偉倫", "曉彤", "冠宇", "佩珊", "浩然", "思穎", "家樂", "芷晴", "柏翰", "文傑", "慧敏",
        ],
        Lang::ZhHans => &[
            "伟", "芳", "娜", "敏", "静", "磊", "洋", "婷婷", "子涵", "浩宇", "欣怡", "一鸣",
            "雨桐", "思远", "佳琪", "晓东", "梓萱", "俊杰", "文静", "宇航", "诗雨", "建国",
        ],
        Lang::Ja => &[
            "陽菜",
            "結衣",
            "蓮",
            "湊",
            "大翔",
            "美咲",
            "葵",
            "悠真",
            "陽翔",
            "凛",
            "さくら",
            "翔太",
            "拓海",
            "彩花",
            "健太",
            "七海",
            "優斗",
            "真央",
            "颯太",
            "愛子",
            "直樹",
            "由美",
        ],
        Lang::Th => &[
            "สมชาย",
            "สมศรี",
            "ณัฐพล",
            "ปิยะนุช",
            "กิตติพงษ์",
            "วรรณา",
            "ธนากร",
            "สุภาพร",
            "อนุชา",
            "พิมพ์ชนก",
            "ศุภชัย",
            "จิราพร",
            "ชัยวัฒน์",
            "นภัสสร",
            "ธีรวัฒน์",
            "กมลชนก",
            "วิทยา",
            "อรอุมา",
            "ปกรณ์",
            "รัตนา",
            "เอกชัย",
            "ศิริพร",
        ],
    }
}

/// Family names per language, to combine with [`given_names`] into display names.
pub fn family_names(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Martin", "Anderson", "Clarke",
            "Walker", "Wright", "Thompson", "Harris", "Lewis", "Robinson",
        ],
        Lang::ZhHant => &[
            "陳", "林", "黃", "張", "李", "王", "吳", "劉", "蔡", "楊", "許", "鄭", "謝", "何",
        ],
        Lang::ZhHans => &[
            "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱",
        ],
        Lang::Ja => &[
            "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田",
            "山田", "松本", "井上",
        ],
        Lang::Th => &[
            "ใจดี",
            "สุขสวัสดิ์",
            "ศรีสุข",
            "วงศ์สวัสดิ์",
            "ทองดี",
            "แก้วมณี",
            "บุญมา",
            "จันทร์เพ็ญ",
            "รัตนพันธ์",
            "พรหมมา",
            "สายทอง",
            "ศักดิ์ดี",
            "มั่นคง",
            "เจริญผล",
        ],
    }
}

/// One scripted exchange: a customer's opening message, then alternating turns.
#[derive(Debug, Clone, Copy)]
pub struct Script {
    /// The language the whole exchange is written in.
    pub lang: Lang,
    /// Turns in order. Turn::Customer is the customer, Turn::Agent an agent reply,
    /// Turn::Bot the shop's bot.
    pub turns: &'static [Turn],
}

/// One message in a [`Script`].
#[derive(Debug, Clone, Copy)]
pub enum Turn {
    /// Written by the customer.
    Customer(&'static str),
    /// Written by a support agent.
    Agent(&'static str),
    /// Sent automatically by the shop's bot.
    Bot(&'static str),
}

/// The scripted conversations that seed the demo inbox (at least 8 per language).
pub fn scripts() -> &'static [Script] {
    SCRIPTS
}

const BOT_EN: &str = "Hi! I'm Lumen's assistant 💡 Thanks for your message — a member of our \
                      support team will be with you shortly.";
const BOT_ZH_HANT_TW: &str = "您好！我是 Lumen 小幫手 💡 已收到您的訊息，客服人員將盡快為您服務。";
const BOT_ZH_HANT_HK: &str =
    "你好！我係 Lumen 嘅智能助手 💡 已收到你嘅訊息，客服同事會盡快回覆你。";
const BOT_ZH_HANS: &str = "您好！我是 Lumen 智能助手 💡 已收到您的消息，人工客服马上为您服务。";
const BOT_JA: &str = "こんにちは！Lumen のアシスタントです 💡 メッセージを受け付けました。\
                      担当スタッフがまもなく対応いたします。";
const BOT_TH: &str = "สวัสดีค่ะ! ผู้ช่วยอัตโนมัติของ Lumen ยินดีให้บริการค่ะ 💡 \
                      ได้รับข้อความแล้ว เจ้าหน้าที่จะติดต่อกลับโดยเร็วนะคะ";

static SCRIPTS: &[Script] = &[
    // ----------------------------------------------------------------- English
    Script {
        lang: Lang::En,
        turns: &[
            Customer("Hi, where's my order #LH-20431? It was supposed to arrive yesterday 📦"),
            Bot(BOT_EN),
            Agent(
                "Hi there, thanks for waiting! I've checked #LH-20431 — it left our warehouse \
                 on Monday and the courier has it out for delivery today.",
            ),
            Customer("Oh great, thank you 🙏"),
            Agent(
                "You're welcome! Here's the tracking link in case you need it: \
                 lumenhome.com/track/LH-20431",
            ),
        ],
    },
    Script {
        lang: Lang::En,
        turns: &[
            Customer(
                "Hello, the Aria desk lamp I bought in March has stopped working.\n\
                 It flickers for a few seconds and then turns off completely.",
            ),
            Bot(BOT_EN),
            Agent(
                "Sorry to hear that! The Aria has a 2-year warranty, so you're covered. Could \
                 you send a photo of the serial number on the base and your order number?",
            ),
            Customer("Sure, it's order #LH-18872. Photo attached."),
            Agent(
                "Thanks! I've opened a warranty claim. We'll email you a prepaid return label \
                 today and ship the replacement as soon as the courier scans your parcel.",
            ),
            Customer("Perfect, that was easy 😊"),
        ],
    },
    Script {
        lang: Lang::En,
        turns: &[
            Customer(
                "I'd like to return the smart bulb 4-pack, it's not what I expected. \
                 Can I get a refund?",
            ),
            Agent(
                "Of course. You can return items within 30 days. Is the box still sealed, or \
                 have the bulbs been used?",
            ),
            Customer("Opened, but I only tried one bulb"),
            Agent(
                "No problem, that's still fine. I've emailed you a return label — once it's \
                 back with us, the refund goes to your original payment method within 5–7 \
                 business days.",
            ),
        ],
    },
    Script {
        lang: Lang::En,
        turns: &[
            Customer("Hi! Can I change the delivery address on order #LH-20588? I'm moving this weekend 😭"),
            Bot(BOT_EN),
            Agent("Hi! It hasn't shipped yet, so yes, no problem. What's the new address?"),
            Customer("Flat 4B, 27 Harbour Road\nBristol BS1 5TT"),
            Agent("All updated ✅ You'll get a confirmation email in a few minutes. Good luck with the move!"),
        ],
    },
    Script {
        lang: Lang::En,
        turns: &[
            Customer("The code WELCOME15 isn't working at checkout, it just says invalid"),
            Agent(
                "Sorry about that! WELCOME15 only applies to first orders over $50 — is your \
                 cart above that?",
            ),
            Customer("Ah, it's $46. Didn't realise"),
            Agent(
                "Adding something small like a spare bulb would do it. Or I can apply the 15% \
                 manually to this order, just let me know 🙂",
            ),
            Customer("Manual please, you're a star 🎉"),
        ],
    },
    Script {
        lang: Lang::En,
        turns: &[
            Customer("Is the Lumen smart bulb compatible with Google Home? And what wattage is it?"),
            Bot(
                "Hi! I'm Lumen's assistant 💡 Quick answer: our smart bulbs work with Google \
                 Home, Alexa and Apple Home. An agent will follow up with more details.",
            ),
            Agent(
                "Hi! To add to that: the E27 smart bulb is a 9W LED, about 806 lumens, so \
                 roughly a 60W incandescent. You set it up in the Lumen app first, then link \
                 it in Google Home.",
            ),
            Customer("Great, ordering 3 then 👍"),
        ],
    },
    Script {
        lang: Lang::En,
        turns: &[
            Customer(
                "Could you send me a VAT invoice for order #LH-19907? \
                 The company name is Brightside Studio Ltd.",
            ),
            Agent("Sure! Do you need your VAT number on it as well?"),
            Customer("Yes please: GB 284 1937 56"),
            Agent(
                "Thanks, the invoice is on its way to the email address on the order. Let me \
                 know if anything needs correcting.",
            ),
        ],
    },
    Script {
        lang: Lang::En,
        turns: &[
            Customer(
                "This is the third time I'm asking. Order #LH-20117 was due last week and \
                 nobody has replied.\nI'm really disappointed.",
            ),
            Bot(BOT_EN),
            Agent(
                "I'm really sorry, that's not the experience we want you to have. The parcel \
                 was held at the courier's depot because of a damaged label. I've asked them \
                 to re-label it and deliver tomorrow, and I've refunded your shipping fee.",
            ),
            Customer("Ok. Thanks for actually sorting it."),
            Agent("Of course. I'll keep an eye on it and message you once it's delivered."),
        ],
    },
    Script {
        lang: Lang::En,
        turns: &[
            Customer("what time are you open on saturday?"),
            Bot(
                "Hi! I'm Lumen's assistant 💡 Our showroom is open Mon–Sat 10:00–19:00 and \
                 Sun 11:00–17:00. Chat support is available every day from 9:00 to 21:00.",
            ),
            Customer("thanks!"),
        ],
    },
    Script {
        lang: Lang::En,
        turns: &[
            Customer(
                "Just wanted to say the floor lamp arrived and it looks amazing in our living \
                 room ❤️ Thanks for the quick help last week!",
            ),
            Agent("That's so lovely to hear, thank you! Enjoy the new lamp 😊"),
            Customer("Will do 🙏"),
        ],
    },
    // ---------------------------------------------- Traditional Chinese (TW / HK)
    Script {
        lang: Lang::ZhHant,
        turns: &[
            Customer("你好，我的訂單 #LH-20431 到現在還沒收到，請問出貨了嗎？📦"),
            Bot(BOT_ZH_HANT_TW),
            Agent("您好，讓您久等了！訂單 #LH-20431 已於週一出貨，物流顯示今天會配送，請留意一下喔。"),
            Customer("好的，謝謝 🙏"),
        ],
    },
    Script {
        lang: Lang::ZhHant,
        turns: &[
            Customer("你好，我上個月買嘅 Aria 枱燈壞咗\n一開就閃，之後仲熄埋 😭"),
            Bot(BOT_ZH_HANT_HK),
            Agent(
                "唔好意思，麻煩晒你！Aria 有兩年保養，可以幫你安排換新。\
                 可唔可以影張底座序號嘅相，同埋話我知訂單號碼？",
            ),
            Customer("訂單係 #LH-18872，相已經傳咗"),
            Agent("收到，已經幫你開咗保養單。我哋會安排速遞上門收舊燈，新嘅同時寄出，大約 3–5 個工作天到。"),
            Customer("好快手，多謝晒！👍"),
        ],
    },
    Script {
        lang: Lang::ZhHant,
        turns: &[
            Customer("請問智慧燈泡四入組可以退貨嗎？買回來才發現家裡的燈座不合"),
            Agent("可以的，商品到貨 30 天內都能辦理退貨。請問家裡是 E27 還是 E14 燈座呢？也可以幫您換成合適的款式。"),
            Customer("是 E14，那可以直接換嗎？"),
            Agent("可以喔！已經幫您建立換貨單，物流兩天內會到府收件，新的 E14 燈泡會同步寄出。"),
        ],
    },
    Script {
        lang: Lang::ZhHant,
        turns: &[
            Customer("你好，想改送貨地址，訂單 #LH-20588，我下星期搬屋"),
            Agent("你好！呢張單仲未出貨，可以幫你改。麻煩提供新地址 🙂"),
            Customer("九龍旺角彌敦道 688 號\n旺角中心 12 樓 B 室"),
            Agent("已經幫你更新咗，稍後會收到確認電郵。搬屋順利！"),
        ],
    },
    Script {
        lang: Lang::ZhHant,
        turns: &[
            Customer("請問可以開統編發票嗎？訂單 #LH-19907"),
            Bot(BOT_ZH_HANT_TW),
            Agent("您好，可以的！請提供公司抬頭和統一編號。"),
            Customer("抬頭：光合設計有限公司\n統編：24581937"),
            Agent("收到，電子發票會寄到訂單上的 Email，一個工作天內開立完成。"),
        ],
    },
    Script {
        lang: Lang::ZhHant,
        turns: &[
            Customer("折扣碼 SPRING10 一直顯示無效，是怎麼回事？"),
            Agent("不好意思造成困擾！SPRING10 只適用於燈具類商品，購物車裡的延長線不在活動範圍內喔。"),
            Customer("原來如此，那我分開結帳好了"),
            Agent("好的～如果還是有問題再跟我們說喔 😊"),
        ],
    },
    Script {
        lang: Lang::ZhHant,
        turns: &[
            Customer("請問你們的智慧燈泡可以接 Apple HomeKit 嗎？瓦數是多少？"),
            Bot(
                "您好！我是 Lumen 小幫手 💡 我們的智慧燈泡支援 Apple Home、Google Home 與 Alexa，\
                 客服人員稍後會補充說明。",
            ),
            Agent(
                "補充一下：E27 智慧燈泡是 9W LED，亮度約 806 流明，相當於傳統 60W 燈泡。\
                 先用 Lumen App 配對，再加入「家庭」App 就可以了。",
            ),
            Customer("太好了，謝謝 💡"),
        ],
    },
    Script {
        lang: Lang::ZhHant,
        turns: &[
            Customer("我等咗成個禮拜啦，訂單 #LH-20117 仲未到，問咗兩次都冇人覆，真係好失望"),
            Bot(BOT_ZH_HANT_HK),
            Agent(
                "非常抱歉令你久等！查到包裹喺速遞倉因為標籤損壞滯留咗，\
                 已經要求聽日重新派送，運費亦已經退返俾你。",
            ),
            Customer("好啦，希望今次真係收到"),
            Agent("明白，我會一直跟進，送到之後再通知你。"),
        ],
    },
    Script {
        lang: Lang::ZhHant,
        turns: &[
            Customer("請問門市星期日有開嗎？"),
            Bot(
                "您好！我是 Lumen 小幫手 💡 門市營業時間為週一至週六 10:00–19:00，\
                 週日 11:00–17:00。線上客服每天 9:00–21:00 為您服務。",
            ),
            Customer("了解，謝謝！"),
        ],
    },
    Script {
        lang: Lang::ZhHant,
        turns: &[
            Customer("落地燈收到了，放在客廳超好看 ❤️ 謝謝上次幫我處理換貨！"),
            Agent("收到您的回饋好開心！祝您使用愉快 😊"),
            Customer("🙏🙏"),
        ],
    },
    // ---------------------------------------------------- Simplified Chinese
    Script {
        lang: Lang::ZhHans,
        turns: &[
            Customer("你好，我的订单 #LH-20431 显示发货三天了，物流一直没更新，怎么回事？"),
            Bot(BOT_ZH_HANS),
            Agent("亲，让您久等了！查了一下，包裹在中转站滞留了，快递那边说今天重新发出，预计后天送达。"),
            Customer("好吧，那麻烦帮我盯一下 🙏"),
            Agent("没问题，有更新我第一时间通知您。"),
        ],
    },
    Script {
        lang: Lang::ZhHans,
        turns: &[
            Customer("台灯坏了，买了才两个月，开关按了没反应"),
            Agent("非常抱歉给您带来不便！我们的台灯都有两年质保，麻烦提供一下订单号和灯座底部序列号的照片。"),
            Customer("订单号 #LH-18872，照片发你了"),
            Agent("收到，已为您登记质保换新。快递员会上门取件，新台灯同步寄出，3–5 天左右到。"),
            Customer("效率挺高的，谢谢 👍"),
        ],
    },
    Script {
        lang: Lang::ZhHans,
        turns: &[
            Customer("我想退款，买的吸顶灯尺寸太大了，装不上"),
            Bot(BOT_ZH_HANS),
            Agent("您好，签收后 30 天内都可以退的。请问包装还在吗？"),
            Customer("包装都在，就拆开看了一下"),
            Agent("好的，已为您提交退货申请，退货地址和单号会短信发给您。我们收到货后 3–5 个工作日原路退款。"),
        ],
    },
    Script {
        lang: Lang::ZhHans,
        turns: &[
            Customer("订单 #LH-20588 能改地址吗？小区写错了 😭"),
            Agent("还没发货，可以改的。请把新地址发给我～"),
            Customer("上海市浦东新区张杨路 1500 号\n6 号楼 802 室"),
            Agent("已经改好啦，发货后会短信通知您 😊"),
        ],
    },
    Script {
        lang: Lang::ZhHans,
        turns: &[
            Customer("请问可以开增值税专用发票吗？订单 #LH-19907"),
            Agent("可以的，请提供公司名称、税号、开户行及账号、注册地址和电话。"),
            Customer(
                "公司：上海明光设计有限公司\n税号：91310115MA1K48Q27C\n\
                 其他信息我发邮件给你们可以吗？",
            ),
            Agent("可以的，发到 invoice@lumenhome.com 就行。专票开好后快递寄出，电子版也会发到您邮箱。"),
        ],
    },
    Script {
        lang: Lang::ZhHans,
        turns: &[
            Customer("优惠码 LUMEN20 提示不可用，是过期了吗？"),
            Bot(BOT_ZH_HANS),
            Agent("您好，LUMEN20 是会员专享券，需要登录会员账号后才能使用哦。"),
            Customer("哦哦，登录就可以用了，谢谢！🎉"),
        ],
    },
    Script {
        lang: Lang::ZhHans,
        turns: &[
            Customer("你们的智能灯泡能接小爱同学吗？多少瓦的？"),
            Bot(
                "您好！我是 Lumen 智能助手 💡 我们的智能灯泡支持米家/小爱同学、天猫精灵和 HomeKit，\
                 稍后客服会为您详细解答。",
            ),
            Agent(
                "补充一下：E27 智能灯泡是 9W，光通量 806 流明，亮度相当于 60W 白炽灯。\
                 先在 Lumen App 里配网，再到米家里绑定就行。",
            ),
            Customer("明白了，那我下单了 👍"),
        ],
    },
    Script {
        lang: Lang::ZhHans,
        turns: &[
            Customer("你们客服也太慢了吧！昨天发的消息到现在都没人回"),
            Agent("非常抱歉，昨天咨询量比较大，回复晚了。请问有什么可以帮您？"),
            Customer("我买的落地灯送到的时候灯罩是破的"),
            Agent(
                "真的很抱歉！麻烦拍张照片给我，我马上给您补发一个新灯罩，\
                 另外送您一张 30 元无门槛券作为补偿。",
            ),
            Customer("照片发了。行吧，尽快 🙏"),
        ],
    },
    Script {
        lang: Lang::ZhHans,
        turns: &[
            Customer("你们线下门店几点关门？"),
            Bot(
                "您好！我是 Lumen 智能助手 💡 门店营业时间：周一至周六 10:00–19:00，\
                 周日 11:00–17:00。在线客服每天 9:00–21:00。",
            ),
            Customer("好的谢谢"),
        ],
    },
    Script {
        lang: Lang::ZhHans,
        turns: &[
            Customer("灯泡装好了，跟音箱也连上了，太方便了 ❤️ 谢谢你们耐心教我！"),
            Agent("不客气～用得开心就好，有问题随时找我们 😊"),
            Customer("👍👍"),
        ],
    },
    // -------------------------------------------------------------- Japanese
    Script {
        lang: Lang::Ja,
        turns: &[
            Customer(
                "お世話になっております。注文番号 #LH-20431 の商品がまだ届いていないのですが、\
                 発送状況を確認していただけますか？",
            ),
            Bot(BOT_JA),
            Agent("お待たせいたしました。ご注文 #LH-20431 は月曜日に出荷済みで、本日配達予定となっております。"),
            Customer("確認ありがとうございます！🙏"),
        ],
    },
    Script {
        lang: Lang::Ja,
        turns: &[
            Customer("先月購入したデスクライトが点かなくなりました。\nスイッチを押しても反応がありません。"),
            Bot(BOT_JA),
            Agent(
                "ご不便をおかけして申し訳ございません。保証期間内ですので、無償で交換いたします。\
                 ご注文番号と、本体底面のシリアル番号のお写真をお送りいただけますか？",
            ),
            Customer("注文番号は #LH-18872 です。写真を送りました。"),
            Agent("ありがとうございます。交換手続きを承りました。新しい商品を本日発送し、不具合品は配達時に回収いたします。"),
            Customer("迅速なご対応ありがとうございます 😊"),
        ],
    },
    Script {
        lang: Lang::Ja,
        turns: &[
            Customer("スマート電球を返品したいのですが、可能でしょうか？"),
            Agent("はい、商品到着後30日以内でしたら返品を承っております。差し支えなければ、返品理由をお伺いしてもよろしいでしょうか？"),
            Customer("家の照明器具の口金が E17 で、合いませんでした。"),
            Agent("承知いたしました。返品用の着払い伝票をメールでお送りします。商品到着後、5営業日以内にご返金いたします。"),
        ],
    },
    Script {
        lang: Lang::Ja,
        turns: &[
            Customer("注文 #LH-20588 の配送先を変更したいです。引っ越しの予定が早まってしまって…"),
            Agent("まだ出荷前ですので変更可能です。新しいご住所を教えていただけますか？"),
            Customer("〒150-0001\n東京都渋谷区神宮前 3-12-8 201号室"),
            Agent("配送先を変更いたしました。確認メールをお送りしましたので、ご確認ください。"),
        ],
    },
    Script {
        lang: Lang::Ja,
        turns: &[
            Customer("領収書を発行していただくことはできますか？宛名は「株式会社ひかり企画」でお願いします。"),
            Bot(BOT_JA),
            Agent("かしこまりました。ご注文番号を教えていただけますか？"),
            Customer("#LH-19907 です。"),
            Agent("ありがとうございます。PDF の領収書をご登録のメールアドレスにお送りいたしました。"),
        ],
    },
    Script {
        lang: Lang::Ja,
        turns: &[
            Customer("クーポンコード SUMMER10 が使えません 😭"),
            Agent(
                "ご迷惑をおかけしております。SUMMER10 は 5,000円以上のご注文が対象となっております。\
                 カートの合計金額をご確認いただけますか？",
            ),
            Customer("4,800円でした…"),
            Agent("今回は特別に、こちらで割引を適用いたします。そのままご注文をお進めください 😊"),
            Customer("ありがとうございます！助かります 🎉"),
        ],
    },
    Script {
        lang: Lang::Ja,
        turns: &[
            Customer("スマート電球は Alexa に対応していますか？あと、何ワットですか？"),
            Bot(
                "こんにちは！Lumen のアシスタントです 💡 スマート電球は Alexa、Google Home、\
                 Apple Home に対応しております。詳しくは担当者よりご案内いたします。",
            ),
            Agent(
                "補足いたします。E26 スマート電球は消費電力 9W、全光束 810lm で、60W 形相当の明るさです。\
                 Lumen アプリで設定後、Alexa アプリと連携していただけます。",
            ),
            Customer("よく分かりました。ありがとうございます 💡"),
        ],
    },
    Script {
        lang: Lang::Ja,
        turns: &[
            Customer("先週届いたフロアランプ、箱がつぶれていてシェードに傷がありました。正直がっかりです。"),
            Bot(BOT_JA),
            Agent("大変申し訳ございません。お手数ですが、傷の部分のお写真をお送りいただけますでしょうか。"),
            Customer("写真を送りました。"),
            Agent(
                "確認いたしました。新しいシェードを至急お送りいたします。\
                 また、お詫びとして次回ご利用いただける 1,000円分のクーポンをお送りしました。",
            ),
        ],
    },
    Script {
        lang: Lang::Ja,
        turns: &[
            Customer("ショールームの営業時間を教えてください。"),
            Bot(
                "こんにちは！Lumen のアシスタントです 💡 ショールームの営業時間は月〜土 10:00〜19:00、\
                 日曜 11:00〜17:00 です。チャットサポートは毎日 9:00〜21:00 に対応しております。",
            ),
            Customer("ありがとうございます！"),
        ],
    },
    Script {
        lang: Lang::Ja,
        turns: &[
            Customer("ペンダントライト、無事に取り付けできました！部屋の雰囲気がすごく良くなりました ❤️"),
            Agent("嬉しいお知らせをありがとうございます！末永くご愛用いただけますと幸いです 😊"),
            Customer("こちらこそ、丁寧に対応していただきありがとうございました 🙏"),
        ],
    },
    // ------------------------------------------------------------------ Thai
    Script {
        lang: Lang::Th,
        turns: &[
            Customer("สวัสดีครับ ออเดอร์ #LH-20431 ของผมยังไม่ได้รับเลยครับ ช่วยเช็คให้หน่อยได้ไหมครับ 📦"),
            Bot(BOT_TH),
            Agent(
                "ขออภัยที่ให้รอนะคะ ออเดอร์ #LH-20431 จัดส่งแล้วเมื่อวันจันทร์ค่ะ \
                 ตอนนี้อยู่ระหว่างนำส่ง คาดว่าจะถึงภายในวันนี้ค่ะ",
            ),
            Customer("โอเคครับ ขอบคุณมากครับ 🙏"),
        ],
    },
    Script {
        lang: Lang::Th,
        turns: &[
            Customer("โคมไฟตั้งโต๊ะที่ซื้อไปเดือนที่แล้วเปิดไม่ติดแล้วค่ะ 😭"),
            Bot(BOT_TH),
            Agent(
                "ต้องขออภัยด้วยนะคะ สินค้ายังอยู่ในประกัน 2 ปีค่ะ \
                 รบกวนส่งเลขออเดอร์และรูปหมายเลขซีเรียลใต้ฐานโคมมาให้หน่อยนะคะ",
            ),
            Customer("ออเดอร์ #LH-18872 ค่ะ ส่งรูปไปแล้วนะคะ"),
            Agent("ได้รับแล้วค่ะ ทางเราจะส่งโคมใหม่ให้ภายใน 3–5 วันทำการ และจะมีขนส่งไปรับตัวเก่าคืนค่ะ"),
            Customer("ขอบคุณค่ะ บริการดีมาก 👍"),
        ],
    },
    Script {
        lang: Lang::Th,
        turns: &[
            Customer("ขอคืนสินค้าได้ไหมครับ หลอดไฟที่สั่งมาขั้วไม่ตรงกับโคมที่บ้าน"),
            Agent(
                "ได้ค่ะ คืนสินค้าได้ภายใน 30 วันหลังได้รับสินค้าค่ะ \
                 หรือถ้าสะดวก จะเปลี่ยนเป็นขั้ว E14 แทนก็ได้นะคะ",
            ),
            Customer("งั้นขอเปลี่ยนเป็น E14 ครับ"),
            Agent(
                "เรียบร้อยค่ะ ส่งใบนำส่งสำหรับคืนสินค้าไปที่อีเมลแล้วนะคะ \
                 พอได้รับของคืน จะจัดส่งหลอด E14 ให้ทันทีค่ะ",
            ),
        ],
    },
    Script {
        lang: Lang::Th,
        turns: &[
            Customer("ขอเปลี่ยนที่อยู่จัดส่งออเดอร์ #LH-20588 ได้ไหมคะ"),
            Agent("ได้ค่ะ ออเดอร์ยังไม่ได้จัดส่ง รบกวนแจ้งที่อยู่ใหม่ได้เลยค่ะ"),
            Customer("88/15 ซอยสุขุมวิท 39\nแขวงคลองตันเหนือ เขตวัฒนา กรุงเทพฯ 10110"),
            Agent("แก้ไขที่อยู่เรียบร้อยแล้วค่ะ เดี๋ยวจะมีอีเมลยืนยันส่งไปให้นะคะ 😊"),
        ],
    },
    Script {
        lang: Lang::Th,
        turns: &[
            Customer("ขอใบกำกับภาษีเต็มรูปสำหรับออเดอร์ #LH-19907 ได้ไหมครับ"),
            Bot(BOT_TH),
            Agent("ได้ค่ะ รบกวนแจ้งชื่อบริษัท ที่อยู่ และเลขประจำตัวผู้เสียภาษีด้วยนะคะ"),
            Customer("บริษัท แสงดี ดีไซน์ จำกัด\nเลขประจำตัวผู้เสียภาษี 0105561234567\nที่อยู่ตามในออเดอร์เลยครับ"),
            Agent("ขอบคุณค่ะ ใบกำกับภาษีจะส่งไปทางอีเมลภายใน 1 วันทำการค่ะ"),
        ],
    },
    Script {
        lang: Lang::Th,
        turns: &[
            Customer("โค้ด LUMEN100 ใช้ไม่ได้ค่ะ ขึ้นว่าโค้ดไม่ถูกต้อง"),
            Agent(
                "ขออภัยค่ะ โค้ดนี้หมดอายุไปเมื่อวานค่ะ \
                 แต่ให้ใช้โค้ด SORRY100 แทนได้เลยนะคะ ลด 100 บาทเหมือนกันค่ะ",
            ),
            Customer("ใช้ได้แล้วค่ะ ขอบคุณมากค่ะ 🎉"),
        ],
    },
    Script {
        lang: Lang::Th,
        turns: &[
            Customer("หลอดไฟอัจฉริยะใช้กับ Google Home ได้ไหมครับ แล้วกี่วัตต์ครับ"),
            Bot(
                "สวัสดีค่ะ! ผู้ช่วยอัตโนมัติของ Lumen ค่ะ 💡 หลอดไฟอัจฉริยะของเรารองรับ \
                 Google Home, Alexa และ Apple Home ค่ะ เดี๋ยวเจ้าหน้าที่จะมาให้ข้อมูลเพิ่มเติมนะคะ",
            ),
            Agent(
                "เพิ่มเติมค่ะ หลอดขั้ว E27 กินไฟ 9 วัตต์ ความสว่าง 806 ลูเมน \
                 เทียบเท่าหลอดไส้ 60 วัตต์ค่ะ ตั้งค่าผ่านแอป Lumen แล้วเชื่อมกับ Google Home \
                 ได้เลยค่ะ",
            ),
            Customer("เยี่ยมเลยครับ เดี๋ยวสั่งเลย 👍"),
        ],
    },
    Script {
        lang: Lang::Th,
        turns: &[
            Customer("รอของมาอาทิตย์นึงแล้ว ออเดอร์ #LH-20117 ทักมาสองรอบก็ไม่มีใครตอบ ผิดหวังมากครับ"),
            Bot(BOT_TH),
            Agent(
                "ต้องขออภัยเป็นอย่างสูงค่ะ ตรวจสอบแล้วพัสดุค้างอยู่ที่ศูนย์กระจายสินค้าเพราะฉลากเสียหาย \
                 ได้แจ้งให้จัดส่งใหม่พรุ่งนี้แล้ว และคืนค่าส่งให้เรียบร้อยค่ะ",
            ),
            Customer("โอเคครับ หวังว่าคราวนี้จะได้นะครับ"),
            Agent("ทางเราจะติดตามให้จนถึงมือเลยค่ะ ได้รับแล้วจะแจ้งอีกครั้งนะคะ"),
        ],
    },
    Script {
        lang: Lang::Th,
        turns: &[
            Customer("หน้าร้านเปิดกี่โมงคะ"),
            Bot(
                "สวัสดีค่ะ! ผู้ช่วยอัตโนมัติของ Lumen ค่ะ 💡 หน้าร้านเปิดจันทร์–เสาร์ 10:00–19:00 น. \
                 และวันอาทิตย์ 11:00–17:00 น. ส่วนแชทมีเจ้าหน้าที่ดูแลทุกวัน 9:00–21:00 น. ค่ะ",
            ),
            Customer("ขอบคุณค่ะ 😊"),
        ],
    },
    Script {
        lang: Lang::Th,
        turns: &[
            Customer("ได้รับโคมไฟตั้งพื้นแล้วครับ สวยมาก ❤️ ขอบคุณที่ช่วยเรื่องเปลี่ยนสินค้านะครับ"),
            Agent("ยินดีมากค่ะ ขอให้ใช้งานอย่างมีความสุขนะคะ 😊"),
            Customer("🙏🙏"),
        ],
    },
];

/// Short single customer messages that the simulator sends as new, live messages.
pub fn live_messages(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "any update on my order?",
            "Hi, is anyone there?",
            "thanks!",
            "👍",
            "Just sent a photo of the box — one corner is crushed and the lamp base is scratched",
            "Do you ship to Canada?",
            "Can I pay with PayPal?",
            "Still waiting on that refund 🙏",
            "Is the Nova floor lamp back in stock?",
            "What's the warranty on the smart plugs?",
            "ok perfect 😊",
            "Tracking says delivered but nothing's here 📦",
            "Can I pick it up from the showroom instead?",
            "Does the dimmer switch work with LED bulbs?",
            "Sorry, one more question — does it need assembly?",
            "🎉🎉",
            "Got it, thank you so much ❤️",
        ],
        Lang::ZhHant => &[
            "請問有更新嗎？",
            "有人在嗎？",
            "謝謝！",
            "👍",
            "我傳咗張相，個盒爛咗一角，燈座都花埋",
            "請問可以寄到澳門嗎？",
            "可以用 PayPal 付款嗎？",
            "退款大概幾時會到帳？🙏",
            "Nova 落地燈什麼時候會補貨？",
            "智慧插座保固多久？",
            "好的，沒問題 😊",
            "物流顯示已送達，但我沒收到 📦",
            "可以改成門市自取嗎？",
            "調光開關可以配 LED 燈泡用嗎？",
            "唔好意思，想再問多個問題",
            "收到啦，多謝晒 ❤️",
            "🙏",
        ],
        Lang::ZhHans => &[
            "请问有进展了吗？",
            "在吗？",
            "谢谢！",
            "👍",
            "我拍了张照片，外箱压坏了，灯座也有划痕",
            "能寄到乌鲁木齐吗？运费多少？",
            "可以用花呗分期吗？",
            "退款什么时候到账呀 🙏",
            "Nova 落地灯什么时候补货？",
            "智能插座保修多久？",
            "好的没问题 😊",
            "物流显示已签收，但我没收到 📦",
            "可以改成门店自提吗？",
            "调光开关能配 LED 灯泡吗？",
            "不好意思，再问一个问题",
            "收到了，太感谢了 ❤️",
            "🎉🎉🎉",
        ],
        Lang::Ja => &[
            "その後いかがでしょうか？",
            "すみません、どなたかいらっしゃいますか？",
            "ありがとうございます！",
            "👍",
            "箱の角がつぶれていて、ランプの台座に傷がありました。写真を送ります。",
            "北海道への送料はいくらですか？",
            "代金引換は使えますか？",
            "返金の件、その後どうなりましたか？🙏",
            "Nova フロアランプの再入荷予定はありますか？",
            "スマートプラグの保証期間は何年ですか？",
            "承知しました 😊",
            "配達完了になっているのですが、まだ届いていません 📦",
            "ショールームでの受け取りに変更できますか？",
            "調光スイッチは LED 電球にも使えますか？",
            "もう一つ質問してもよろしいでしょうか？",
            "無事に届きました！ありがとうございます ❤️",
            "🙏",
        ],
        Lang::Th => &[
            "มีอัปเดตไหมคะ",
            "มีใครอยู่ไหมครับ",
            "ขอบคุณค่ะ!",
            "👍",
            "ส่งรูปไปแล้วนะคะ กล่องบุบไปมุมนึง ฐานโคมมีรอยขีดข่วนด้วยค่ะ",
            "ส่งไปเชียงใหม่ได้ไหมครับ ค่าส่งเท่าไหร่ครับ",
            "เก็บเงินปลายทางได้ไหมคะ",
            "เงินคืนจะเข้าเมื่อไหร่ครับ 🙏",
            "โคมไฟตั้งพื้น Nova จะมีของเข้าอีกเมื่อไหร่คะ",
            "ปลั๊กอัจฉริยะรับประกันกี่ปีครับ",
            "โอเคค่ะ 😊",
            "สถานะขึ้นว่าส่งแล้ว แต่ยังไม่ได้รับของเลยครับ 📦",
            "ขอเปลี่ยนเป็นรับที่หน้าร้านได้ไหมคะ",
            "สวิตช์หรี่ไฟใช้กับหลอด LED ได้ไหมครับ",
            "ขอโทษนะคะ ขอถามอีกข้อค่ะ",
            "ได้รับของแล้วครับ ขอบคุณมากครับ ❤️",
            "🙏🙏",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(turn: &Turn) -> &'static str {
        match *turn {
            Turn::Customer(s) | Turn::Agent(s) | Turn::Bot(s) => s,
        }
    }

    #[test]
    fn lists_meet_minimum_lengths() {
        for lang in LANGS {
            assert!(given_names(lang).len() >= 20, "given names for {lang:?}");
            assert!(family_names(lang).len() >= 12, "family names for {lang:?}");
            assert!(
                live_messages(lang).len() >= 15,
                "live messages for {lang:?}"
            );
            let n = scripts().iter().filter(|s| s.lang == lang).count();
            assert!(n >= 8, "only {n} scripts for {lang:?}");
        }
        assert!(scripts().len() >= 40);
    }

    #[test]
    fn scripts_are_well_formed() {
        for (i, script) in scripts().iter().enumerate() {
            let n = script.turns.len();
            assert!((3..=7).contains(&n), "script {i} has {n} turns");
            assert!(
                matches!(script.turns[0], Turn::Customer(_)),
                "script {i} does not start with a customer turn"
            );
        }
    }

    #[test]
    fn no_string_is_empty() {
        for lang in LANGS {
            let lists = [given_names(lang), family_names(lang), live_messages(lang)];
            for s in lists.iter().flat_map(|l| l.iter()) {
                assert!(!s.trim().is_empty(), "empty string for {lang:?}");
            }
        }
        for (i, script) in scripts().iter().enumerate() {
            for turn in script.turns {
                assert!(!text(turn).trim().is_empty(), "empty turn in script {i}");
            }
        }
    }
}
