//! The outbox and what it sends: an event per write, notifications for the
//! people concerned, signed webhook deliveries to a real receiver on
//! loopback, retried until they land, once, whatever the number of nodes;
//! and the daily run's reminders, once per task, day and kind.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::actors::{fresh_task, Actor};
use crate::bodies::{
    ClaimBody, DecisionBody, ExtensionBody, PlanBody, ReportBody, ReviewBody, TaskBody,
};
use crate::common::{JsonExt, TestApp};
use crate::demo::{STP, STTTT};
use crate::receiver::Receiver;
use par_tracker::service::webhooks::TargetPolicy;
use par_tracker::worker::{self, WorkerConfig};

const LOOPBACK: TargetPolicy = TargetPolicy {
    allow_http: true,
    allow_private: true,
};

fn at(instant: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(instant)
        .unwrap()
        .with_timezone(&Utc)
}

/// A 2024 plan with a task of STP's (supported by STTTT) due on `due`.
async fn task_due(app: &TestApp, due: &str) -> (String, String) {
    let plan = Actor::coordinator(app)
        .create_plan(&PlanBody::new(&format!("CCHC-TB{}", &due[5..7]), 2024))
        .await
        .id();
    let task = fresh_task(
        app,
        &plan,
        TaskBody::new("T1").lead(STP).supporting(&[STTTT]).date(due),
    )
    .await;
    (plan, task)
}

fn outbox_types(app: &TestApp) -> Vec<String> {
    app.texts("SELECT type AS t FROM outbox_events ORDER BY occurred_at, type")
}

/// Checks a Standard Webhooks signature with nothing of the server's code.
fn signature_holds(
    secret: &str,
    headers: &std::collections::HashMap<String, String>,
    body: &str,
) -> bool {
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .unwrap();
    let signed = format!(
        "{}.{}.{}",
        headers["webhook-id"], headers["webhook-timestamp"], body
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(signed.as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    headers["webhook-signature"]
        .split(' ')
        .any(|s| s == expected)
}

#[actix_web::test]
async fn each_write_is_an_event_and_the_people_concerned_are_told() {
    let app = TestApp::demo().await;
    let before = outbox_types(&app).len();
    let (_, task) = task_due(&app, "2024-12-31").await;
    let coordinator = Actor::coordinator(&app);
    let etag = coordinator
        .get(&crate::actors::path::task(&task))
        .await
        .etag();
    coordinator
        .patch_if_match(
            &crate::actors::path::task(&task),
            &etag,
            &json!({"expected_output": "Báo cáo và dự thảo quyết định"}),
        )
        .await
        .ok();
    Actor::officer(&app, STP)
        .post_report(&task, &ReportBody::new(40, "Đang thực hiện"))
        .await;
    Actor::officer(&app, STP)
        .claim_completion(&task, &ClaimBody::new("2024-06-01", "Đã hoàn thành"))
        .await;
    let types = outbox_types(&app);
    assert_eq!(
        types[before..],
        [
            "task.created",
            "task.updated",
            "report.created",
            "claim.submitted"
        ],
        "one event per write, in the write's transaction"
    );
    // a refused write leaves no event
    Actor::officer(&app, STTTT)
        .post(
            &crate::actors::path::completion(&task),
            &ClaimBody::new("2024-06-01", "X"),
        )
        .await
        .problem(403);
    assert_eq!(outbox_types(&app).len(), types.len());

    assert_eq!(
        worker::fan_out(app.pool(), false, Utc::now()).unwrap(),
        types.len() - before
    );
    assert_eq!(
        worker::fan_out(app.pool(), false, Utc::now()).unwrap(),
        0,
        "each event once"
    );
    let coordinator = Actor::coordinator(&app);
    let mine = coordinator
        .get("/api/v1/me/notifications?unread=true")
        .await
        .ok()
        .items();
    let claim = mine
        .iter()
        .find(|n| n["type"] == "claim.submitted")
        .expect("the coordinator hears of the claim");
    assert!(claim.text("title").contains("T1"), "{claim}");
    assert!(
        mine.iter().all(|n| n["type"] != "task.created"),
        "not of their own write"
    );
    let stp = Actor::officer(&app, STP)
        .get("/api/v1/me/notifications")
        .await
        .ok()
        .items();
    assert!(
        stp.iter().any(|n| n["type"] == "task.created"),
        "the lead agency hears of its new task"
    );
    assert!(
        stp.iter().any(|n| n["type"] == "task.updated"),
        "and of its change"
    );
    assert!(
        stp.iter().all(|n| n["type"] != "report.created"),
        "not of its own report"
    );

    // read one, then all; another's notification is not found
    Actor::officer(&app, STP)
        .post_empty(&format!("/api/v1/me/notifications/{}/read", claim.id()))
        .await
        .problem(404);
    let read = coordinator
        .post_empty(&format!("/api/v1/me/notifications/{}/read", claim.id()))
        .await
        .ok();
    assert!(read["read_at"].is_string());
    coordinator
        .post_empty("/api/v1/me/notifications/read-all")
        .await
        .ok();
    assert!(coordinator
        .get("/api/v1/me/notifications?unread=true")
        .await
        .ok()
        .items()
        .is_empty());
}

/// Whether `actor` has a notification of `event_type`.
async fn told(actor: &Actor<'_>, event_type: &str) -> bool {
    actor
        .get("/api/v1/me/notifications")
        .await
        .ok()
        .items()
        .iter()
        .any(|n| n["type"] == event_type)
}

#[actix_web::test]
async fn an_extension_request_and_its_decision_reach_those_concerned() {
    let app = TestApp::demo().await;
    let (_, task) = task_due(&app, "2024-06-30").await;
    for (to, decision, published) in [
        ("2024-09-30", DecisionBody::approve(), "extension.approved"),
        ("2024-12-31", DecisionBody::reject(), "extension.rejected"),
    ] {
        let before = outbox_types(&app).len();
        let asked = Actor::officer(&app, STP)
            .request_extension(&task, &ExtensionBody::new(to, "Chờ ý kiến của Bộ"))
            .await;
        Actor::coordinator(&app)
            .decide_extension(&asked.id(), &decision)
            .await;
        assert_eq!(
            outbox_types(&app)[before..],
            ["extension.requested", published]
        );
        worker::fan_out(app.pool(), false, Utc::now()).unwrap();
        assert!(
            told(&Actor::coordinator(&app), "extension.requested").await,
            "the coordinator decides it"
        );
        assert!(
            told(&Actor::officer(&app, STP), published).await,
            "the lead agency hears the decision: {published}"
        );
    }
}

#[actix_web::test]
async fn a_returned_claim_reaches_the_lead_agency() {
    let app = TestApp::demo().await;
    let (_, task) = task_due(&app, "2024-12-31").await;
    Actor::officer(&app, STP)
        .claim_completion(&task, &ClaimBody::new("2024-06-01", "Đã hoàn thành"))
        .await;
    let before = outbox_types(&app).len();
    Actor::coordinator(&app)
        .review(&task, &ReviewBody::send_back().comment("Thiếu văn bản"))
        .await;
    assert_eq!(outbox_types(&app)[before..], ["claim.returned"]);
    worker::fan_out(app.pool(), false, Utc::now()).unwrap();
    assert!(told(&Actor::officer(&app, STP), "claim.returned").await);
}

#[actix_web::test]
async fn a_failing_receiver_gets_the_event_once_it_answers_and_signed() {
    let app = TestApp::demo().await;
    let receiver = Receiver::start(&[500, 500, 503]);
    let coordinator = Actor::coordinator(&app);
    let created = coordinator
        .post("/api/v1/webhooks", &json!({"url": receiver.url, "events": ["claim.submitted"], "description": "Hệ thống một cửa"}))
        .await
        .created();
    let secret = created.text("secret").to_string();
    assert!(secret.starts_with("whsec_"));
    let hook = created.id();
    assert!(
        coordinator
            .get(&format!("/api/v1/webhooks/{hook}"))
            .await
            .ok()["secret"]
            .is_null(),
        "shown once"
    );
    let (_, task) = task_due(&app, "2024-12-31").await;
    Actor::officer(&app, STP)
        .claim_completion(&task, &ClaimBody::new("2024-06-01", "Đã hoàn thành"))
        .await;
    let mut now = Utc::now();
    worker::fan_out(app.pool(), false, now).unwrap();
    for attempt in 1..=4 {
        assert_eq!(
            worker::deliver(app.pool(), LOOPBACK, now, 10).unwrap(),
            1,
            "attempt {attempt}"
        );
        assert_eq!(
            worker::deliver(app.pool(), LOOPBACK, now, 10).unwrap(),
            0,
            "not again before its time"
        );
        now += Duration::hours(1);
    }
    assert_eq!(
        worker::deliver(app.pool(), LOOPBACK, now, 10).unwrap(),
        0,
        "delivered: done"
    );
    let got = receiver.received();
    assert_eq!(got.len(), 4, "three failures, then the delivery");
    let ids: std::collections::BTreeSet<&str> = got
        .iter()
        .map(|r| r.headers["webhook-id"].as_str())
        .collect();
    assert_eq!(ids.len(), 1, "every attempt is the same message");
    for r in &got {
        assert!(
            signature_holds(&secret, &r.headers, &r.body),
            "{:?}",
            r.headers
        );
        let payload: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(payload["type"], "claim.submitted");
        assert_eq!(payload["data"]["task"]["id"], task.as_str());
    }
    let deliveries = coordinator
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
        .await
        .ok()
        .items();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(
        (
            deliveries[0]["status"].clone(),
            deliveries[0]["attempts"].clone()
        ),
        (json!("delivered"), json!(4))
    );
    assert_eq!(deliveries[0]["last_status_code"], 200);
    // sent again on request
    coordinator
        .post_empty(&format!(
            "/api/v1/webhooks/{hook}/deliveries/{}/redeliver",
            deliveries[0].id()
        ))
        .await;
    worker::deliver(app.pool(), LOOPBACK, Utc::now(), 10).unwrap();
    assert_eq!(receiver.received().len(), 5);
    // who may
    Actor::officer(&app, STP)
        .post(
            "/api/v1/webhooks",
            &json!({"url": receiver.url, "events": ["*"]}),
        )
        .await
        .problem(403);
    Actor::inspector(&app)
        .get("/api/v1/webhooks")
        .await
        .problem(403);
    coordinator
        .post(
            "/api/v1/webhooks",
            &json!({"url": receiver.url, "events": ["task.deleted"]}),
        )
        .await
        .field_error(422, "events[0]");
}

#[actix_web::test]
async fn two_nodes_deliver_each_event_once_and_a_dead_node_loses_nothing() {
    let app = TestApp::demo().await;
    let receiver = Receiver::start(&[]);
    Actor::coordinator(&app)
        .post(
            "/api/v1/webhooks",
            &json!({"url": receiver.url, "events": ["*"]}),
        )
        .await
        .created();
    let (_, task) = task_due(&app, "2024-12-31").await;
    for n in 0..12 {
        Actor::officer(&app, STP)
            .post_report(&task, &ReportBody::new(n, &format!("Báo cáo {n}")))
            .await;
    }
    let now = Utc::now();
    worker::fan_out(app.pool(), false, now).unwrap();
    let events = app.count("SELECT count(*) AS n FROM webhook_deliveries");
    assert!(events >= 13);

    // a node takes two deliveries and dies before sending them: nothing is written back
    let mut conn = app.pool().get().unwrap();
    let abandoned = par_tracker::store::outbox::lease_due(&mut conn, now, 60, 2).unwrap();
    assert_eq!(abandoned.len(), 2);
    drop(conn);

    // two nodes, each with its own connections, at once
    let url = crate::common::url(&app.db_name);
    let nodes: Vec<_> = (0..2)
        .map(|_| {
            let pool = par_tracker::db::build_pool(&url, 2).unwrap();
            std::thread::spawn(move || {
                let mut sent = 0;
                loop {
                    let n = worker::deliver(&pool, LOOPBACK, now, 3).unwrap();
                    if n == 0 {
                        return sent;
                    }
                    sent += n;
                }
            })
        })
        .collect();
    let sent: usize = nodes.into_iter().map(|n| n.join().unwrap()).sum();
    assert_eq!(
        sent as i64,
        events - 2,
        "the leased two wait for their lease"
    );
    // after the dead node's lease runs out, they go too
    let later = now + Duration::seconds(61);
    assert_eq!(worker::deliver(app.pool(), LOOPBACK, later, 10).unwrap(), 2);
    let got = receiver.received();
    let ids: std::collections::BTreeSet<&str> = got
        .iter()
        .map(|r| r.headers["webhook-id"].as_str())
        .collect();
    assert_eq!(got.len() as i64, events, "every event delivered");
    assert_eq!(ids.len(), got.len(), "none twice");
}

#[actix_web::test]
async fn the_daily_run_reminds_once_per_task_kind_and_day() {
    let app = TestApp::demo().await;
    let (_, soon) = task_due(&app, "2024-06-10").await;
    let config = WorkerConfig::default();
    // 2024-06-07 06:59 in the province (UTC+7) is before the run's time: nothing
    assert_eq!(
        worker::remind(app.pool(), &config, at("2024-06-06T23:59:00Z")).unwrap(),
        0
    );
    // 07:00: three days before: due-soon at the 3-day threshold
    let at_seven = at("2024-06-07T00:00:00Z");
    let url = crate::common::url(&app.db_name);
    let nodes: Vec<_> = (0..2)
        .map(|_| {
            let (pool, config) = (
                par_tracker::db::build_pool(&url, 2).unwrap(),
                config.clone(),
            );
            std::thread::spawn(move || worker::remind(&pool, &config, at_seven).unwrap())
        })
        .collect();
    let emitted: usize = nodes.into_iter().map(|n| n.join().unwrap()).sum();
    let reminders_of = |kind: &str| {
        app.count(&format!(
            "SELECT count(*) AS n FROM outbox_events WHERE type = '{kind}' AND task_id = '{soon}'"
        ))
    };
    assert_eq!(reminders_of("task.due_soon"), 1, "two nodes, one reminder");
    assert!(emitted >= 1);
    // a restart the same day: nothing new
    worker::remind(app.pool(), &config, at("2024-06-07T05:00:00Z")).unwrap();
    assert_eq!(reminders_of("task.due_soon"), 1);
    // the due day: the 1-day threshold's reminder; the day after: overdue, once
    worker::remind(app.pool(), &config, at("2024-06-10T01:00:00Z")).unwrap();
    assert_eq!(reminders_of("task.due_soon"), 2);
    worker::remind(app.pool(), &config, at("2024-06-10T16:59:00Z")).unwrap();
    assert_eq!(
        reminders_of("task.overdue"),
        0,
        "23:59 on the due day is not late"
    );
    worker::remind(app.pool(), &config, at("2024-06-11T00:00:00Z")).unwrap();
    worker::remind(app.pool(), &config, at("2024-06-12T00:00:00Z")).unwrap();
    assert_eq!(reminders_of("task.overdue"), 1, "overdue is told once");
    worker::fan_out(app.pool(), false, Utc::now()).unwrap();
    let stttt = Actor::officer(&app, STTTT)
        .get("/api/v1/me/notifications")
        .await
        .ok()
        .items();
    assert!(
        stttt.iter().any(|n| n["type"] == "task.due_soon"),
        "a supporting agency hears a deadline is coming"
    );
    let stp = Actor::officer(&app, STP)
        .get("/api/v1/me/notifications")
        .await
        .ok()
        .items();
    let overdue = stp.iter().find(|n| n["type"] == "task.overdue").unwrap();
    assert!(overdue.text("title").contains("10/6/2024"), "{overdue}");
}

#[actix_web::test]
async fn a_private_address_is_refused_unless_allowed() {
    let production = TargetPolicy {
        allow_http: false,
        allow_private: false,
    };
    assert!(
        production.check("http://example.org/hook").is_err(),
        "https only"
    );
    for private in [
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest",
        "https://10.0.0.7/",
        "https://[::1]/",
    ] {
        let refused = production.check(private).unwrap_err();
        assert!(refused.contains("loopback"), "{private}: {refused}");
    }
    assert!(LOOPBACK.check("http://127.0.0.1:9/hook").is_ok());
    // and at delivery time: a subscription made while allowed is not sent once refused
    let app = TestApp::demo().await;
    let receiver = Receiver::start(&[]);
    Actor::coordinator(&app)
        .post(
            "/api/v1/webhooks",
            &json!({"url": receiver.url, "events": ["*"]}),
        )
        .await
        .created();
    task_due(&app, "2024-12-31").await;
    worker::fan_out(app.pool(), false, Utc::now()).unwrap();
    let strict = TargetPolicy {
        allow_http: true,
        allow_private: false,
    };
    assert!(worker::deliver(app.pool(), strict, Utc::now(), 10).unwrap() >= 1);
    assert!(
        receiver.received().is_empty(),
        "nothing reached the private address"
    );
    let errors = app.texts("SELECT last_error AS t FROM webhook_deliveries");
    assert!(
        errors.iter().all(|e| e.contains("refused target")),
        "{errors:?}"
    );
}

#[actix_web::test]
async fn notifications_are_mailed_through_smtp_and_retried() {
    let app = TestApp::demo().await;
    let smtp = crate::smtp::SmtpServer::start(1);
    let coordinator_id = app.account(crate::demo::COORDINATOR).id.to_string();
    let admin = Actor::admin(&app);
    admin
        .patch(
            &format!("/api/v1/users/{coordinator_id}"),
            &json!({"email": "not an address"}),
        )
        .await
        .field_error(400, "email");
    let me = admin
        .patch(
            &format!("/api/v1/users/{coordinator_id}"),
            &json!({"email": "cchc@snv.khanhhoa.gov.vn"}),
        )
        .await
        .ok();
    assert_eq!(me["email"], "cchc@snv.khanhhoa.gov.vn");
    let (_, task) = task_due(&app, "2024-12-31").await;
    Actor::officer(&app, STP)
        .claim_completion(&task, &ClaimBody::new("2024-06-01", "Đã hoàn thành"))
        .await;
    let now = Utc::now();
    worker::fan_out(app.pool(), true, now).unwrap();
    let mail = worker::MailConfig {
        url: smtp.url.clone(),
        from: "Hệ thống CCHC <cchc@localhost>".into(),
    };
    // the server turns the first connection away: tried, kept for later
    assert_eq!(worker::send_mail(app.pool(), &mail, now, 10).unwrap(), 1);
    assert!(smtp.mails().is_empty());
    assert_eq!(
        worker::send_mail(app.pool(), &mail, now, 10).unwrap(),
        0,
        "not before its time"
    );
    let later = now + Duration::minutes(5);
    assert_eq!(worker::send_mail(app.pool(), &mail, later, 10).unwrap(), 1);
    assert_eq!(
        worker::send_mail(app.pool(), &mail, later, 10).unwrap(),
        0,
        "mailed once"
    );
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "only the account with an address is mailed");
    assert_eq!(mails[0].to, ["cchc@snv.khanhhoa.gov.vn"]);
    let subject = crate::smtp::subject(&mails[0].data);
    assert_eq!(
        subject, "Đề nghị công nhận hoàn thành nhiệm vụ T1",
        "{}",
        mails[0].data
    );
}

/// Throughput and delay of webhook delivery to a receiver on loopback: run by
/// hand (`cargo test --release --test api notify::delivery_figures -- --ignored
/// --nocapture`); the README's "Notifications and webhooks" has the figures.
#[actix_web::test]
#[ignore = "a measurement, not a check: run by hand"]
async fn delivery_figures() {
    let app = TestApp::demo().await;
    let receiver = Receiver::start(&[]);
    Actor::coordinator(&app)
        .post(
            "/api/v1/webhooks",
            &json!({"url": receiver.url, "events": ["report.created"]}),
        )
        .await
        .created();
    let (_, task) = task_due(&app, "2024-12-31").await;
    let officer = Actor::officer(&app, STP);
    // throughput: 500 events, fanned out and delivered by one node
    for n in 0..500 {
        officer
            .post_report(&task, &ReportBody::new(n % 100, "Tiến độ"))
            .await;
    }
    let started = std::time::Instant::now();
    worker::fan_out(app.pool(), false, Utc::now()).unwrap();
    while worker::deliver(app.pool(), LOOPBACK, Utc::now(), 50).unwrap() > 0 {}
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(receiver.received().len(), 500);
    println!(
        "throughput: 500 events in {seconds:.2} s = {:.0} events/s",
        500.0 / seconds
    );

    // delay: a worker ticking every second, as a node's does; 100 writes 50 ms apart
    let url = crate::common::url(&app.db_name);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let worker_stop = stop.clone();
    let node = std::thread::spawn(move || {
        let pool = par_tracker::db::build_pool(&url, 2).unwrap();
        while !worker_stop.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_secs(1));
            worker::fan_out(&pool, false, Utc::now()).unwrap();
            while worker::deliver(&pool, LOOPBACK, Utc::now(), 50).unwrap() > 0 {}
        }
    });
    let before = receiver.received().len();
    for n in 0..100 {
        officer
            .post_report(&task, &ReportBody::new(n % 100, "Tiến độ"))
            .await;
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    while receiver.received().len() < before + 100 {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    node.join().unwrap();
    let mut delays: Vec<f64> = receiver.received()[before..]
        .iter()
        .map(|r| {
            let payload: Value = serde_json::from_str(&r.body).unwrap();
            let written: DateTime<Utc> = payload["timestamp"].as_str().unwrap().parse().unwrap();
            (r.at - written).num_milliseconds() as f64
        })
        .collect();
    delays.sort_by(f64::total_cmp);
    println!(
        "delay from write to delivery: p50 {:.0} ms, p99 {:.0} ms (worker tick 1 s)",
        delays[49], delays[98]
    );
}

#[actix_web::test]
async fn a_subscription_failing_for_a_day_is_paused_and_its_owner_told() {
    let app = TestApp::demo().await;
    let receiver = Receiver::start(&[500; 40]);
    let coordinator = Actor::coordinator(&app);
    let hook = coordinator
        .post(
            "/api/v1/webhooks",
            &json!({"url": receiver.url, "events": ["*"]}),
        )
        .await
        .created()
        .id();
    task_due(&app, "2024-12-31").await;
    let start = Utc::now();
    worker::fan_out(app.pool(), false, start).unwrap();
    worker::deliver(app.pool(), LOOPBACK, start, 10).unwrap();
    let failing = coordinator
        .get(&format!("/api/v1/webhooks/{hook}"))
        .await
        .ok();
    assert!(failing["failing_since"].is_string() && failing["active"] == true);
    // just under a day of failures: still active
    worker::deliver(app.pool(), LOOPBACK, start + Duration::hours(23), 10).unwrap();
    assert_eq!(
        coordinator
            .get(&format!("/api/v1/webhooks/{hook}"))
            .await
            .ok()["active"],
        true
    );
    // a day: paused, the delivery given up, the owner told
    worker::deliver(app.pool(), LOOPBACK, start + Duration::hours(24), 10).unwrap();
    let paused = coordinator
        .get(&format!("/api/v1/webhooks/{hook}"))
        .await
        .ok();
    assert_eq!(paused["active"], false);
    assert!(paused["paused_reason"].is_string());
    let deliveries = coordinator
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
        .await
        .ok()
        .items();
    assert_eq!(deliveries[0]["status"], "failed");
    worker::fan_out(app.pool(), false, Utc::now()).unwrap();
    let told = coordinator
        .get("/api/v1/me/notifications")
        .await
        .ok()
        .items();
    assert!(
        told.iter().any(|n| n["type"] == "webhook.paused"),
        "{told:?}"
    );
    // resumed by hand: active again, healthy
    let resumed = coordinator
        .request(
            actix_web::http::Method::PATCH,
            &format!("/api/v1/webhooks/{hook}"),
        )
        .json(&json!({"active": true}))
        .send()
        .await
        .ok();
    assert_eq!(
        (resumed["active"].clone(), resumed["failing_since"].clone()),
        (json!(true), Value::Null)
    );
}

#[actix_web::test]
async fn an_inspection_reaches_the_inspected_agency() {
    let app = TestApp::demo().await;
    let plan = Actor::coordinator(&app)
        .create_plan(&PlanBody::year(2024))
        .await
        .id();
    let before = outbox_types(&app).len();
    let inspection = Actor::inspector(&app)
        .plan_inspection(
            &plan,
            &crate::bodies::InspectionBody::new(STP, "2024-06-10"),
        )
        .await
        .id();
    assert_eq!(outbox_types(&app)[before..], ["inspection.created"]);
    worker::fan_out(app.pool(), false, Utc::now()).unwrap();
    for (code, concerned) in [(STP, true), (STTTT, false)] {
        assert_eq!(
            told(&Actor::officer(&app, code), "inspection.created").await,
            concerned,
            "{code}: only the inspected agency is told"
        );
    }
    // a remedy the agency reports reaches those who verify it
    let inspector = Actor::inspector(&app);
    inspector
        .update_inspection(&inspection, &json!({"conducted_on": "2024-06-10"}))
        .await;
    Actor::coordinator(&app)
        .update_inspection(
            &inspection,
            &json!({
                "conclusion_document": {"document_number": "35/TB-SNV", "issued_on": "2024-06-20", "issuer": "Sở Nội vụ"},
                "conclusion": "Còn hạn chế cần khắc phục.",
            }),
        )
        .await;
    let finding = inspector
        .record_finding(&inspection, &crate::bodies::FindingBody::due("2024-07-31"))
        .await
        .id();
    Actor::officer(&app, STP)
        .report_remedy(
            &finding,
            &crate::bodies::RemedyBody::new("Đã niêm yết công khai các thủ tục").evidence(
                crate::bodies::Evidence::new(
                    "12/BC-STP",
                    "2024-07-20",
                    "Sở Tư pháp",
                    "Báo cáo khắc phục",
                ),
            ),
        )
        .await;
    worker::fan_out(app.pool(), false, Utc::now()).unwrap();
    for (who, actor, concerned) in [
        ("the inspector", Actor::inspector(&app), true),
        ("the coordinator", Actor::coordinator(&app), true),
        ("another agency", Actor::officer(&app, STTTT), false),
    ] {
        assert_eq!(
            told(&actor, "finding.remedy_reported").await,
            concerned,
            "{who}"
        );
    }
}

/// The ids on each page of a list, to its end.
async fn id_pages(actor: &Actor<'_>, first: &str) -> Vec<Vec<String>> {
    let pages = actor.every_page(first).await;
    pages
        .iter()
        .map(|page| page.iter().map(|n| n.id()).collect())
        .collect()
}

#[actix_web::test]
async fn notifications_and_deliveries_come_page_by_page() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let hook = coordinator
        .post(
            "/api/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/hook", "events": ["claim.submitted"]}),
        )
        .await
        .created()
        .id();
    // three claims the coordinator hears of, each delivered to the hook
    for due in ["2024-10-31", "2024-11-30", "2024-12-31"] {
        let (_, task) = task_due(&app, due).await;
        Actor::officer(&app, STP)
            .claim_completion(&task, &ClaimBody::new("2024-06-01", "Đã hoàn thành"))
            .await;
    }
    worker::fan_out(app.pool(), false, Utc::now()).unwrap();
    for list in [
        "/api/v1/me/notifications?".to_string(),
        format!("/api/v1/webhooks/{hook}/deliveries?"),
    ] {
        let whole = id_pages(&coordinator, &format!("{list}limit=100")).await;
        assert_eq!(whole.len(), 1, "{list}");
        let total = whole[0].len();
        assert!(total >= 3, "{list}: {whole:?}");
        // one by one, every row once, in order, and no empty page at the end
        let pages = id_pages(&coordinator, &format!("{list}limit=1")).await;
        assert_eq!(pages.concat(), whole[0], "{list}");
        assert!(pages.iter().all(|p| p.len() == 1), "{list}: {pages:?}");
        // a page as long as the list is the only one
        assert_eq!(
            id_pages(&coordinator, &format!("{list}limit={total}")).await,
            whole,
            "{list}"
        );
    }
}

#[actix_web::test]
async fn a_webhook_description_is_at_most_500_characters() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let hook = |description: String| json!({"url": "http://127.0.0.1:9/hook", "events": ["claim.submitted"], "description": description});
    coordinator
        .post("/api/v1/webhooks", &hook("ử".repeat(500)))
        .await
        .created();
    coordinator
        .post("/api/v1/webhooks", &hook("ử".repeat(501)))
        .await
        .field_error(400, "description");
}

#[actix_web::test]
async fn a_webhook_url_is_at_most_2000_characters() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let hook = |url: String| json!({"url": url, "events": ["claim.submitted"]});
    let url = |length: usize| {
        let head = "http://127.0.0.1:9/hook?";
        format!("{head}{}", "a".repeat(length - head.len()))
    };
    coordinator
        .post("/api/v1/webhooks", &hook(url(2000)))
        .await
        .created();
    coordinator
        .post("/api/v1/webhooks", &hook(url(2001)))
        .await
        .field_error(400, "url");
}

#[actix_web::test]
async fn a_webhook_lists_1_to_50_event_types() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let hook = |events: Vec<&str>| json!({"url": "http://127.0.0.1:9/hook", "events": events});
    coordinator
        .post("/api/v1/webhooks", &hook(vec!["claim.submitted"]))
        .await
        .created();
    coordinator
        .post("/api/v1/webhooks", &hook(vec!["claim.submitted"; 50]))
        .await
        .created();
    for refused in [vec![], vec!["claim.submitted"; 51]] {
        coordinator
            .post("/api/v1/webhooks", &hook(refused))
            .await
            .field_error(400, "events");
    }
}

#[actix_web::test]
async fn a_batch_carries_each_event_s_task_as_of_its_own_day() {
    // Two reports on one task on two days, fanned out together: each payload
    // is the task as it stood on its event's day in the province.
    let instant = |s: &str| par_tracker::startup::Clock::Fixed(at(s));
    let mut app = TestApp::demo_with_clock(instant("2024-05-15T03:00:00Z")).await;
    let (_, task) = task_due(&app, "2024-12-31").await;
    let (_, other) = task_due(&app, "2024-11-30").await;
    let officer = Actor::officer(&app, STP);
    officer
        .post(
            &crate::actors::path::reports(&task),
            &ReportBody::new(30, "Quý II"),
        )
        .await
        .created();
    app.set_clock(instant("2024-05-16T03:00:00Z")).await;
    let officer = Actor::officer(&app, STP);
    for id in [&task, &other] {
        officer
            .post(
                &crate::actors::path::reports(id),
                &ReportBody::new(60, "Quý II"),
            )
            .await
            .created();
    }
    worker::fan_out(app.pool(), false, Utc::now()).unwrap();
    let sent = app.texts(&format!(
        "SELECT concat_ws(' ', task_id, payload->'data'->'task'->>'as_of', \
         payload->'data'->'task'->>'progress_percent') AS t \
         FROM outbox_events WHERE type = 'report.created' AND task_id IN ('{task}', '{other}') \
         ORDER BY occurred_at, t"
    ));
    let mut expected = vec![
        format!("{task} 2024-05-15 30"),
        format!("{task} 2024-05-16 60"),
        format!("{other} 2024-05-16 60"),
    ];
    expected[1..].sort();
    assert_eq!(sent, expected);
}

#[actix_web::test]
async fn mail_is_queued_only_when_on_and_only_for_accounts_with_an_address() {
    let app = TestApp::demo().await;
    let coordinator_id = app.account(crate::demo::COORDINATOR).id.to_string();
    Actor::admin(&app)
        .patch(
            &format!("/api/v1/users/{coordinator_id}"),
            &json!({"email": "cchc@snv.khanhhoa.gov.vn"}),
        )
        .await
        .ok();
    // task.created reaches the lead's officer (no address), claim.submitted
    // the coordinator (an address)
    for (due, mail) in [("2024-11-30", false), ("2024-12-31", true)] {
        let (_, task) = task_due(&app, due).await;
        Actor::officer(&app, STP)
            .claim_completion(&task, &ClaimBody::new("2024-06-01", "Đã hoàn thành"))
            .await;
        worker::fan_out(app.pool(), mail, Utc::now()).unwrap();
        let queued = app.texts(&format!(
            "SELECT concat_ws(' ', type, email_status, email_next_at IS NOT NULL) AS t \
             FROM notifications WHERE task_id = '{task}' ORDER BY t"
        ));
        let expected = if mail {
            ["claim.submitted pending t", "task.created none f"]
        } else {
            ["claim.submitted none f", "task.created none f"]
        };
        assert_eq!(queued, expected, "mail {mail}");
    }
}
