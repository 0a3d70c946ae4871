//! The queues: completion claims and extension requests listed with their
//! tasks, oldest first; what each reader sees of them; and a task's pending
//! claim and pending extension request on the task itself.

use serde_json::{json, Value};

use crate::actors::{fresh_task, path, Actor};
use crate::bodies::{
    ClaimBody, DecisionBody, Evidence, ExtensionBody, PlanBody, ReviewBody, TaskBody,
};
use crate::common::{JsonExt, TestApp};
use crate::demo::{NHATRANG, STP, STTTT};

/// A new 2024 plan, so that the queues hold only what a test puts there.
async fn plan_of_2024(app: &TestApp) -> String {
    Actor::coordinator(app)
        .create_plan(&PlanBody::year(2024))
        .await
        .id()
}

fn claim() -> ClaimBody {
    let decision = Evidence::new(
        "123/QĐ-STP",
        "2024-06-20",
        "Sở Tư pháp",
        "Quyết định công bố",
    )
    .no_url();
    ClaimBody::new("2024-06-20", "Đã ban hành quyết định").evidence(decision)
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(JsonExt::id).collect()
}

#[actix_web::test]
async fn a_claim_waits_in_the_review_queue_until_it_is_accepted() {
    let app = TestApp::demo().await;
    let plan = plan_of_2024(&app).await;
    let task = fresh_task(
        &app,
        &plan,
        TaskBody::new("NV01").title("Rà soát thủ tục hành chính"),
    )
    .await;
    let lead = Actor::officer(&app, STP);
    let coordinator = Actor::coordinator(&app);
    let claimed = lead.claim_completion(&task, &claim()).await;
    let pending = format!("status=pending&plan_id={plan}");

    let queue = coordinator.claim_queue(&pending).await;
    assert_eq!(ids(&queue), [claimed.id()]);
    let row = &queue[0];
    let me = lead.me().await;
    assert_eq!(
        (
            &row["task_id"],
            &row["task_code"],
            &row["task_title"],
            &row["plan_id"]
        ),
        (
            &json!(task),
            &json!("NV01"),
            &json!("Rà soát thủ tục hành chính"),
            &json!(plan)
        )
    );
    assert_eq!(row["agency"]["code"], STP);
    assert_eq!(
        row["author"],
        json!({"id": me["id"], "display_name": me["display_name"]})
    );
    assert_eq!(
        (&row["status"], &row["completed_on"], &row["summary"]),
        (
            &json!("pending"),
            &json!("2024-06-20"),
            &json!("Đã ban hành quyết định")
        )
    );
    assert_eq!(row["evidence"][0]["document_number"], "123/QĐ-STP");
    assert_eq!(row["created_at"], claimed["created_at"]);

    // the task says what it awaits
    let on_task = &lead.task(&task).await["pending_claim"];
    assert_eq!(on_task["id"], claimed.id());
    assert_eq!(on_task["completed_on"], "2024-06-20");
    assert_eq!(on_task["created_at"], claimed["created_at"]);
    assert_eq!(on_task["author"]["id"], me["id"]);

    // the claiming agency and the inspector see it; the supporting agency and an unrelated one do not
    assert_eq!(ids(&lead.claim_queue(&pending).await), [claimed.id()]);
    assert_eq!(
        ids(&Actor::inspector(&app).claim_queue(&pending).await),
        [claimed.id()]
    );
    let stp = app.agency_id(STP);
    // an agency naming itself sees what it sees without the filter
    assert_eq!(
        ids(&lead
            .claim_queue(&format!("{pending}&agency_id={stp}"))
            .await),
        [claimed.id()]
    );
    for outsider in [STTTT, NHATRANG] {
        let officer = Actor::officer(&app, outsider);
        assert!(officer.claim_queue(&pending).await.is_empty(), "{outsider}");
        // asking for the claiming agency by name does not help
        let asked = format!("{pending}&agency_id={stp}");
        assert!(officer.claim_queue(&asked).await.is_empty(), "{outsider}");
    }
    // the agency filter narrows the coordinator's list
    let other = app.agency_id(NHATRANG);
    assert!(coordinator
        .claim_queue(&format!("{pending}&agency_id={other}"))
        .await
        .is_empty());
    assert_eq!(
        coordinator
            .claim_queue(&format!("{pending}&agency_id={stp}"))
            .await
            .len(),
        1
    );

    // accepted: out of the pending queue, into the accepted list, off the task
    coordinator.review(&task, &ReviewBody::accept()).await;
    assert!(coordinator.claim_queue(&pending).await.is_empty());
    let accepted = coordinator
        .claim_queue(&format!("status=accepted&plan_id={plan}"))
        .await;
    assert_eq!(ids(&accepted), [claimed.id()]);
    assert_eq!(accepted[0]["status"], "accepted");
    assert!(accepted[0]["reviewed_at"].is_string());
    assert_eq!(lead.task(&task).await["pending_claim"], Value::Null);
    let everything = coordinator.claim_queue(&format!("plan_id={plan}")).await;
    assert_eq!(ids(&everything), [claimed.id()], "no status: every state");
}

#[actix_web::test]
async fn a_returned_claim_leaves_the_queue_with_its_reason() {
    let app = TestApp::demo().await;
    let plan = plan_of_2024(&app).await;
    let task = fresh_task(&app, &plan, TaskBody::new("NV02")).await;
    let lead = Actor::officer(&app, STP);
    let first = lead.claim_completion(&task, &claim()).await;
    Actor::coordinator(&app)
        .review(
            &task,
            &ReviewBody::send_back().comment("Thiếu quyết định ban hành"),
        )
        .await;
    assert_eq!(lead.task(&task).await["pending_claim"], Value::Null);
    let returned = lead
        .claim_queue(&format!("status=returned&plan_id={plan}"))
        .await;
    assert_eq!(ids(&returned), [first.id()]);
    assert_eq!(returned[0]["review_comment"], "Thiếu quyết định ban hành");
    // claimed again: the new claim is the pending one
    let second = lead.claim_completion(&task, &claim()).await;
    assert_eq!(lead.task(&task).await["pending_claim"]["id"], second.id());
    let all = lead.claim_queue(&format!("plan_id={plan}")).await;
    assert_eq!(ids(&all), [first.id(), second.id()], "oldest first");
}

#[actix_web::test]
async fn a_pending_extension_request_shows_on_its_task_and_in_the_queue_until_decided() {
    let app = TestApp::demo().await;
    let plan = plan_of_2024(&app).await;
    let task = fresh_task(
        &app,
        &plan,
        TaskBody::new("NV03")
            .title("Số hoá hồ sơ")
            .date("2024-06-30"),
    )
    .await;
    let lead = Actor::officer(&app, STP);
    let coordinator = Actor::coordinator(&app);
    let pending = format!("status=pending&plan_id={plan}");
    assert_eq!(
        lead.task(&task).await["pending_extension_request"],
        Value::Null
    );

    let asked = lead
        .request_extension(
            &task,
            &ExtensionBody::new("2024-09-30", "Chờ hướng dẫn của Bộ"),
        )
        .await;
    let me = lead.me().await;
    let on_task = &lead.task(&task).await["pending_extension_request"];
    assert_eq!(
        on_task,
        &json!({
            "id": asked.id(),
            "requested_due_on": "2024-09-30",
            "created_at": asked["created_at"],
            "author": {"id": me["id"], "display_name": me["display_name"]},
        })
    );
    // the task list carries it too
    let listed = lead.tasks(&format!("plan_id={plan}")).await;
    assert_eq!(listed[0]["pending_extension_request"]["id"], asked.id());
    assert_eq!(listed[0]["pending_claim"], Value::Null);

    let queue = coordinator.extension_queue(&pending).await;
    assert_eq!(ids(&queue), [asked.id()]);
    let row = &queue[0];
    assert_eq!(
        (
            &row["task_id"],
            &row["task_code"],
            &row["task_title"],
            &row["plan_id"]
        ),
        (
            &json!(task),
            &json!("NV03"),
            &json!("Số hoá hồ sơ"),
            &json!(plan)
        )
    );
    assert_eq!(row["agency"]["code"], STP);
    assert_eq!(row["author"]["id"], me["id"]);
    assert_eq!(
        (
            &row["previous_due_on"],
            &row["requested_due_on"],
            &row["reason"]
        ),
        (
            &json!("2024-06-30"),
            &json!("2024-09-30"),
            &json!("Chờ hướng dẫn của Bộ")
        )
    );

    // the lead agency and the inspector see it; the supporting agency and an unrelated one do not
    assert_eq!(lead.extension_queue(&pending).await.len(), 1);
    assert_eq!(
        Actor::inspector(&app).extension_queue(&pending).await.len(),
        1
    );
    for outsider in [STTTT, NHATRANG] {
        let officer = Actor::officer(&app, outsider);
        assert!(
            officer.extension_queue(&pending).await.is_empty(),
            "{outsider}"
        );
    }

    // rejected: off the task and out of the pending queue
    coordinator
        .decide_extension(
            &asked.id(),
            &DecisionBody::reject().comment("Không có căn cứ"),
        )
        .await;
    assert_eq!(
        lead.task(&task).await["pending_extension_request"],
        Value::Null
    );
    assert!(coordinator.extension_queue(&pending).await.is_empty());
    let rejected = coordinator
        .extension_queue(&format!("status=rejected&plan_id={plan}"))
        .await;
    assert_eq!(ids(&rejected), [asked.id()]);
    assert_eq!(rejected[0]["decision_comment"], "Không có căn cứ");

    // asked again and approved
    let again = lead
        .request_extension(&task, &ExtensionBody::new("2024-08-31", "Bổ sung hồ sơ"))
        .await;
    coordinator
        .decide_extension(&again.id(), &DecisionBody::approve())
        .await;
    let approved = lead
        .extension_queue(&format!("status=approved&plan_id={plan}"))
        .await;
    assert_eq!(ids(&approved), [again.id()]);
    assert!(approved[0]["decided_on"].is_string());
    let all = lead.extension_queue(&format!("plan_id={plan}")).await;
    assert_eq!(ids(&all), [asked.id(), again.id()], "oldest first");
}

/// Every page of a list, `limit` rows at a time: the ids in order, and the pages.
async fn walk(
    reader: &Actor<'_>,
    list: impl Fn(&str) -> String,
    query: &str,
    limit: u32,
) -> (Vec<String>, usize) {
    let (mut seen, mut pages) = (Vec::new(), 0);
    let mut cursor: Option<String> = None;
    loop {
        let mut q = format!("{query}&limit={limit}");
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={c}"));
        }
        let page = reader.get(&list(&q)).await.ok();
        pages += 1;
        seen.extend(ids(&page.items()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return (seen, pages),
        }
    }
}

#[actix_web::test]
async fn queues_page_oldest_first_and_a_cursor_keeps_to_its_list() {
    let app = TestApp::demo().await;
    let plan = plan_of_2024(&app).await;
    let lead = Actor::officer(&app, STP);
    let inspector = Actor::inspector(&app);
    let (mut claims, mut requests) = (Vec::new(), Vec::new());
    for code in ["NV11", "NV12"] {
        let task = fresh_task(&app, &plan, TaskBody::new(code).date("2024-06-30")).await;
        let extension = ExtensionBody::new("2024-09-30", "Chờ ý kiến các sở");
        requests.push(lead.request_extension(&task, &extension).await.id());
        claims.push(lead.claim_completion(&task, &claim()).await.id());
    }
    let pending = format!("status=pending&plan_id={plan}");

    let (seen, pages) = walk(&inspector, path::claim_queue, &pending, 1).await;
    assert_eq!(seen, claims, "each claim once, oldest first");
    assert_eq!(pages, 2);
    let (seen, pages) = walk(&lead, path::extension_queue, &pending, 1).await;
    assert_eq!(seen, requests, "each request once, oldest first");
    assert_eq!(pages, 2);

    // a cursor of one list is refused with other filters, and by the other list
    let first = inspector
        .get(&path::claim_queue(&format!("{pending}&limit=1")))
        .await
        .ok();
    let cursor = first.text("next_cursor").to_string();
    let stp = app.agency_id(STP);
    for other in [
        path::claim_queue(&format!("status=accepted&plan_id={plan}")),
        path::claim_queue("status=pending"),
        path::claim_queue(&format!("{pending}&agency_id={stp}")),
        path::extension_queue(&pending),
        path::tasks(&format!("plan_id={plan}")),
    ] {
        inspector
            .get(&format!("{other}&cursor={cursor}"))
            .await
            .field_error(422, "cursor")
            .problem_type("invalid-cursor");
    }
    // the same filters take it, at any page size
    let rest = inspector
        .get(&path::claim_queue(&format!(
            "{pending}&limit=5&cursor={cursor}"
        )))
        .await
        .ok();
    assert_eq!(ids(&rest.items()), claims[1..]);
}

#[actix_web::test]
async fn queue_parameters_are_checked() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    for (list, query, field) in [
        (
            path::claim_queue as fn(&str) -> String,
            "status=finished",
            "status",
        ),
        // each list has its own states
        (path::claim_queue, "status=approved", "status"),
        (path::extension_queue, "status=accepted", "status"),
        (path::extension_queue, "status=", "status"),
        (path::claim_queue, "agency_id=STP", "agency_id"),
        (path::extension_queue, "plan_id=2024", "plan_id"),
        (path::claim_queue, "limit=0", "limit"),
        (path::extension_queue, "limit=201", "limit"),
        (path::claim_queue, "colour=red", "colour"),
    ] {
        inspector
            .get(&list(query))
            .await
            .field_error(400, field)
            .alone();
    }
    // a forged position PostgreSQL could not hold: refused before any query
    use base64::Engine;
    let forged = json!({"s": "completion-claims:0", "a": {"key": "0000-01-01T00:00:00Z", "id": "00000000-0000-0000-0000-000000000000"}});
    let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged.to_string());
    inspector
        .get(&path::claim_queue(&format!("cursor={cursor}")))
        .await
        .field_error(422, "cursor");
}
