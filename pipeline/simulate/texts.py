"""Complaint texts for the simulator, in customers' own voice, per gap (not the training corpus)."""

from __future__ import annotations

from pipeline.gaps import (
    COMMUNICATION,
    DELIVERY,
    KNOWLEDGE,
    NOT_COMPLAINT,
    PERCEPTION,
    STANDARDS,
)

TEXTS: dict[str, tuple[str, ...]] = {
    KNOWLEDGE: (
        "你们出的新套餐根本不是我们需要的",
        "反馈了好几次希望延长营业时间，一直没人理",
        "从来没有人来问过我们顾客的意见",
        "老人不会用app，你们也不考虑一下",
        "建议提了一年了，还是老样子",
    ),
    STANDARDS: (
        "退款要等十五个工作日，规定太不合理了",
        "办个业务要排两次队，流程太繁琐",
        "只能工作日办理，上班族怎么办",
        "必须本人到场才能办，规定太死板",
        "晚上九点以后就不接电话了，出了问题找不到人",
    ),
    DELIVERY: (
        "店员态度很差，爱理不理的",
        "送错餐了，还洒了一半",
        "维修师傅修完第二天又坏了",
        "账单扣错钱了，客服也说不清楚",
        "房间很脏，毛巾都是湿的",
        "等了一个多小时还没人处理",
    ),
    COMMUNICATION: (
        "广告说的优惠到店里就不算了",
        "说好今天送到，结果又推迟了",
        "宣传的免费升级，实际要加钱",
        "销售承诺的赠品一直没给",
        "网上标价和店里价格不一样",
    ),
    PERCEPTION: (
        "很失望，不会再来了",
        "体验一般，对不起这个价格",
        "越来越差了",
        "不推荐",
    ),
    NOT_COMPLAINT: (
        "服务很好，谢谢",
        "请问明天营业吗",
        "店员很热情，点赞",
    ),
}

DECORATIONS: tuple[str, ...] = ("", "", "", "😡", "！！", "，订单号{order}", "。。。", "，服了")
