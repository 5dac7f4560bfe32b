"""Price alerts end to end: alerts made through the API of the real binary, crossed by injected ticks, and delivered
in-app (pushed over /stream), to a webhook receiver (signature checked), and through Amazon SNS as emulated by moto
(read back from moto); a receiver that stays down ends in a dead letter the user sees; and SIGKILLs between the
crossing and the delivery lose nothing and repeat nothing in-app."""

from __future__ import annotations

import json
import re

import boto3
import pytest

from conftest import (SNS_REGION, Receiver, Server, TradeStream, moto_state, sns_env, wait_until)

SAMSUNG = "005930"
KOREAN = re.compile(r"^\[내일은 투자왕:\d\d:\d\d\]삼성전자 ([0-9,]+)원입니다\.$")


def korean(price: str) -> re.Pattern:
    return re.compile(r"^\[내일은 투자왕:\d\d:\d\d\]삼성전자 " + re.escape(price) + r"원입니다\.$")


def notification_of(server: Server, user, alert_id: str) -> list[dict]:
    return [n for n in server.inbox(user)["notifications"] if n["alert_id"] == alert_id]


def delivery(server: Server, user, alert_id: str, channel: str) -> dict | None:
    for n in notification_of(server, user, alert_id):
        for d in n["deliveries"]:
            if d["channel"] == channel:
                return d
    return None


def test_a_crossing_is_pushed_in_app_once_and_lands_in_the_inbox(server: Server):
    user = server.sign_up()
    stream = TradeStream(server, user)
    try:
        server.inject(SAMSUNG, 250_000)
        above = server.create_alert(user, symbol=SAMSUNG, kind="price_at_or_above", level="252000", mode="once",
                                    channels=["in_app"])
        server.inject(SAMSUNG, 251_000)  # below the level: nothing
        server.inject(SAMSUNG, 252_500)  # crosses it
        pushed = stream.next_of("notifications")["data"]
        assert pushed["alert_id"] == above["id"], "the first push is the crossing, not the tick below the level"
        assert pushed["symbol"] == SAMSUNG and pushed["price"] == "252500" and pushed["read"] is False
        assert korean("252,500").match(pushed["message"]), pushed["message"]
        assert pushed["unread"] == 1

        # Once: disarmed. Crossing again fires nothing; a second alert's crossing is the next push.
        assert server.alert(user, above["id"])["status"] == "fired"
        server.inject(SAMSUNG, 250_000)
        server.inject(SAMSUNG, 253_000)
        below = server.create_alert(user, symbol=SAMSUNG, kind="price_at_or_below", level="248000", mode="once",
                                    channels=["in_app"], language="en")
        server.inject(SAMSUNG, 247_500)
        pushed = stream.next_of("notifications")["data"]
        assert pushed["alert_id"] == below["id"]
        assert re.match(r"^\[InvestKing \d\d:\d\d KST\] Samsung Electronics is at 247,500 KRW\.$", pushed["message"])
        assert pushed["unread"] == 2

        inbox = server.inbox(user)
        assert [n["alert_id"] for n in inbox["notifications"]] == [below["id"], above["id"]], "newest first, once each"
        assert inbox["unread"] == 2
        r = server.http.post(f"{server.url}/api/v1/notifications/{pushed['id']}/read", headers=user.auth, timeout=30)
        assert r.status_code == 204
        assert server.inbox(user)["unread"] == 1
    finally:
        stream.close()


def test_a_webhook_gets_a_signed_post_with_the_notification_as_its_idempotency_key(server: Server,
                                                                                    receiver: Receiver):
    user = server.sign_up()
    server.inject(SAMSUNG, 250_000)
    alert = server.create_alert(user, symbol=SAMSUNG, kind="change_pct_at_or_above", level="2.5", mode="repeat",
                                cooldown_s=3600, channels=["in_app", "webhook"], webhook_url=receiver.url)
    assert alert["webhook_secret"].startswith("whsec_")
    stocks = server.http.get(f"{server.url}/api/v1/stocks", headers=user.auth, timeout=30).json()
    close = int(next(s for s in stocks if s["symbol"] == SAMSUNG)["previous_close"])
    target = -(-close * 1025 // 500_000) * 500  # at or above +2.5 %, on the 500-won tick grid
    server.inject(SAMSUNG, target)
    hooks = wait_until(receiver.got, 30, "the webhook POST", lambda: server.log()[-3000:])
    hook = hooks[0]
    assert hook.signature_ok(alert["webhook_secret"]), hook.headers
    assert not hook.signature_ok("whsec_wrong")
    body = json.loads(hook.body)
    note = notification_of(server, user, alert["id"])[0]
    assert hook.key == note["id"] == body["id"] == hook.headers["x-investking-delivery"]
    assert hook.headers["x-investking-event"] == "alert.fired"
    assert body["alert_id"] == alert["id"] and body["symbol"] == SAMSUNG and body["price"] == str(target)
    pct = f"{(target - close) * 100 / close:.2f}"
    assert body["message"] == note["message"] and body["message"].endswith(f"(전일 대비 +{pct}%)"), body["message"]
    d = wait_until(lambda: (x := delivery(server, user, alert["id"], "webhook")) and x["status"] == "delivered" and x,
                   30, "the delivery to be marked delivered")
    assert d["attempts"] == 1 and d["last_error"] is None and d["delivered_at"]


def test_a_receiver_that_stays_down_gets_retries_with_backoff_then_a_dead_letter(server: Server,
                                                                                  receiver: Receiver):
    receiver.status = 503
    user = server.sign_up()
    server.inject(SAMSUNG, 250_000)
    alert = server.create_alert(user, symbol=SAMSUNG, kind="volume_above", level="1000000", mode="once",
                                channels=["webhook"], webhook_url=receiver.url)
    server.inject(SAMSUNG, 250_500, volume=1_000_000)
    dead = wait_until(lambda: (x := delivery(server, user, alert["id"], "webhook")) and x["status"] == "dead" and x,
                      60, "the dead letter", lambda: f"{delivery(server, user, alert['id'], 'webhook')}")
    assert dead["attempts"] == 4 and dead["last_error"] == "HTTP 503"
    hooks = [h for h in receiver.got() if h.key == notification_of(server, user, alert["id"])[0]["id"]]
    assert len(hooks) == 4, "four attempts, the same idempotency key each time"
    gaps = [b.at - a.at for a, b in zip(hooks, hooks[1:])]
    # Each wait counts from the end of the attempt before it; 2 % allows for the receiver's and the server's clocks.
    assert gaps[0] >= 0.196 and gaps[1] >= 0.392 and gaps[2] >= 0.784, f"exponential backoff from 0.2 s: {gaps}"
    inbox = server.inbox(user)
    assert inbox["unread"] == 0, "no in-app channel: nothing to read, yet the dead letter shows in the inbox"
    assert inbox["notifications"][0]["deliveries"][0]["status"] == "dead"


def test_sns_sends_the_original_sms_and_publishes_to_a_topic_as_moto_records_them(server: Server, moto: str):
    user = server.sign_up(phone="+821012345678")
    server.inject(SAMSUNG, 250_000)
    sms = server.create_alert(user, symbol=SAMSUNG, kind="price_at_or_below", level="249500", mode="once",
                              channels=["sns"])
    sns = boto3.client("sns", region_name=SNS_REGION, endpoint_url=moto, aws_access_key_id="AKIAINVESTKINGTEST01",
                       aws_secret_access_key="test-secret")
    topic_arn = sns.create_topic(Name="investking-alerts")["TopicArn"]
    topic = server.create_alert(user, symbol=SAMSUNG, kind="price_at_or_below", level="249000", mode="once",
                                channels=["sns", "in_app"], sns_topic_arn=topic_arn, language="en")
    server.inject(SAMSUNG, 248_500)  # crosses both

    def sent_sms():
        return [m for m in moto_state(moto)["sns"].get("SMS", []) if m["phone_number"] == "+821012345678"]

    texts = wait_until(sent_sms, 30, "the SMS in moto", lambda: server.log()[-3000:])
    assert len(texts) == 1
    assert korean("248,500").match(texts[0]["message"]), texts[0]["message"]

    def topic_messages():
        for t in moto_state(moto)["sns"].get("Topic", []):
            if t["arn"] == topic_arn:
                return t.get("sent_notifications") or None
        return None

    sent = wait_until(topic_messages, 30, "the topic message in moto")
    assert len(sent) == 1
    assert re.match(r"^\[InvestKing \d\d:\d\d KST\] Samsung Electronics is at 248,500 KRW\.$", sent[0][1]), sent[0]
    for alert in (sms, topic):
        d = wait_until(lambda: (x := delivery(server, user, alert["id"], "sns")) and x["status"] == "delivered" and x,
                       30, "the SNS delivery to be marked delivered")
        assert d["attempts"] == 1


def test_sns_needs_a_phone_number_or_a_topic(server: Server):
    user = server.sign_up()
    r = server.http.post(f"{server.url}/api/v1/alerts", headers=user.auth, timeout=30,
                         json={"symbol": SAMSUNG, "kind": "price_at_or_above", "level": "1", "channels": ["sns"]})
    assert r.status_code == 422 and "phone" in r.text
    r = server.http.post(f"{server.url}/api/v1/alerts", headers=user.auth, timeout=30,
                         json={"symbol": SAMSUNG, "kind": "price_at_or_above", "level": "1", "channels": ["sns"],
                               "sns_topic_arn": "arn:aws:sns:ap-northeast-2:12345:x"})
    assert r.status_code == 422 and "sns_topic_arn" in r.text
    r = server.http.post(f"{server.url}/api/v1/alerts", headers=user.auth, timeout=30,
                         json={"symbol": SAMSUNG, "kind": "price_at_or_above", "level": "1", "channels": ["sns"],
                               "sns_topic_arn": "arn:aws:sns:ap-northeast-2:999999999999:ops-pager"})
    assert r.status_code == 422 and "operator allows" in r.text, "the server's credentials publish only where allowed"
    r = server.http.post(f"{server.url}/api/v1/alerts", headers=user.auth, timeout=30,
                         json={"symbol": SAMSUNG, "kind": "price_at_or_above", "level": "1", "mode": "repeat",
                               "channels": ["webhook"], "webhook_url": "https://hooks.example.com/x"})
    assert r.status_code == 422 and "cooldown_s must be at least 60" in r.text


@pytest.mark.parametrize("moment", ["right after the tick", "after the firing was stored",
                                    "while the webhook was being retried"])
def test_a_sigkill_between_crossing_and_delivery_loses_nothing_and_repeats_nothing_in_app(
        tmp_path, moto: str, receiver: Receiver, moment: str):
    receiver.status = 503
    env = dict(INVESTKING_ALERTS_FIRST_BACKOFF_MS="100", INVESTKING_ALERTS_MAX_BACKOFF_MS="400",
               INVESTKING_ALERTS_MAX_ATTEMPTS="50", INVESTKING_ALERTS_MIN_EXTERNAL_COOLDOWN_S="0")
    env.update(sns_env(moto))
    server = Server(tmp_path, env)
    server.start()
    user = server.sign_up()
    server.inject(SAMSUNG, 250_000)
    once = [server.create_alert(user, symbol=SAMSUNG, kind="price_at_or_above", level=str(level), mode="once",
                                channels=["in_app", "webhook"], webhook_url=receiver.url)
            for level in (251_000, 252_000, 253_000, 254_000)]
    repeat = server.create_alert(user, symbol=SAMSUNG, kind="price_at_or_below", level="249000", mode="repeat",
                                 channels=["in_app", "webhook"], webhook_url=receiver.url)
    alerts = once + [repeat]
    server.inject(SAMSUNG, 255_000)  # crosses the four once alerts
    server.inject(SAMSUNG, 248_000)  # and the repeat one
    if moment == "after the firing was stored":
        wait_until(lambda: len(server.inbox(user)["notifications"]) == 5, 30, "five notifications")
    elif moment == "while the webhook was being retried":
        wait_until(lambda: len({h.key for h in receiver.got()}) == 5 and len(receiver.got()) >= 8, 60,
                   "failed attempts at every delivery")
    server.kill()

    receiver.status = 200
    server.start()
    user = server.login(user)
    secrets = {a["id"]: a["webhook_secret"] for a in alerts}

    def all_delivered() -> bool:
        notes = server.inbox(user)["notifications"]
        return len(notes) == 5 and all(n["deliveries"][0]["status"] == "delivered" for n in notes)

    wait_until(all_delivered, 60, "every delivery after the restart", lambda: json.dumps(server.inbox(user))[:3000])
    notes = server.inbox(user)["notifications"]
    assert sorted(n["alert_id"] for n in notes) == sorted(a["id"] for a in alerts), "each crossing once in-app"
    assert server.inbox(user)["unread"] == 5
    for a in once:
        assert server.alert(user, a["id"])["status"] == "fired", "once alerts stay disarmed"
    assert server.alert(user, repeat["id"])["status"] == "armed"
    keys = {n["id"]: n["alert_id"] for n in notes}
    delivered = [h for h in receiver.got() if h.key in keys]
    assert {h.key for h in delivered} == set(keys), "every notification reached the receiver (at least once)"
    for h in delivered:
        assert h.signature_ok(secrets[keys[h.key]])
    # Up through the once alerts' levels and down through the repeat one's: only the repeat alert fires (the
    # evaluation keeps tick order, so its firing shows that the up move was evaluated and fired nothing).
    server.inject(SAMSUNG, 255_000)
    server.inject(SAMSUNG, 248_500)
    wait_until(lambda: len(server.inbox(user)["notifications"]) >= 6, 30, "the repeat alert's next firing")
    notes = server.inbox(user)["notifications"]
    assert len(notes) == 6 and notes[0]["alert_id"] == repeat["id"]
    assert server.stop() == 0, server.log()[-3000:]
    verified = server.verify()
    assert verified.returncode == 0, verified.stdout + verified.stderr
