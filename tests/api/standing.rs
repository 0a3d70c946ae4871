//! A task's kept standing (`task_standing`): reading one task from it must
//! give what the whole as-of view gives, on every day it is used for, and no
//! change may leave it behind.

use chrono::{Duration, NaiveDate};
use diesel::PgConnection;
use serde_json::json;

use crate::actors::{fresh_task, path, Actor};
use crate::bodies::{
    ClaimBody, DecisionBody, ExtensionBody, PlanBody, ReportBody, ReviewBody, TaskBody,
};
use crate::common::{JsonExt, TestApp};
use crate::demo::{STP, STTTT};
use par_tracker::domain::ids::TaskId;
use par_tracker::domain::overdue::province_date;
use par_tracker::store::tasks::{find_view, find_view_uncached, kept_view, Keeping, TaskViewRow};

fn task_id(id: &str) -> TaskId {
    TaskId(id.parse().unwrap())
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn view(conn: &mut PgConnection, id: TaskId, as_of: NaiveDate) -> TaskViewRow {
    find_view_uncached(conn, id, as_of).unwrap().unwrap()
}

/// Every date the view compares its day with for a task, and its due dates.
fn dates_of(app: &TestApp, id: TaskId) -> Vec<NaiveDate> {
    let province = "AT TIME ZONE 'UTC' + interval '7 hours')::date";
    app.texts(&format!(
        "SELECT DISTINCT d::text AS t FROM (
           SELECT due_on AS d FROM tasks WHERE id = '{id}'
           UNION ALL SELECT original_due_on FROM tasks WHERE id = '{id}'
           UNION ALL SELECT completed_on FROM tasks WHERE id = '{id}'
           UNION ALL SELECT decided_on FROM extension_requests WHERE task_id = '{id}'
           UNION ALL SELECT requested_due_on FROM extension_requests WHERE task_id = '{id}'
           UNION ALL SELECT (created_at {province} FROM completion_claims WHERE task_id = '{id}'
           UNION ALL SELECT (reviewed_at {province} FROM completion_claims WHERE task_id = '{id}'
           UNION ALL SELECT (created_at {province} FROM progress_reports WHERE task_id = '{id}'
           UNION ALL SELECT effective_on FROM task_agency_moves WHERE task_id = '{id}') x
         WHERE d IS NOT NULL",
        id = id.0
    ))
    .iter()
    .map(|d| day(d))
    .collect()
}

/// Kept on one day, a task's standing is the view's on each later day it is
/// used for, up to and around every date the task's standing turns on; kept
/// today, it holds on every later day (nothing the demo holds is dated after
/// today).
#[actix_web::test]
async fn a_kept_standing_is_the_views_on_every_day_it_is_used_for() {
    let app = TestApp::demo().await;
    let mut conn = app.pool().get().unwrap();
    let today = province_date(chrono::Utc::now());
    let ids: Vec<TaskId> = app
        .texts("SELECT id::text AS t FROM tasks ORDER BY code, id")
        .iter()
        .map(|id| task_id(id))
        .collect();
    let (mut used, mut not_used) = (0, 0);
    for &id in &ids {
        let dates = dates_of(&app, id);
        for kept_on in [
            day("2023-01-01"),
            day("2023-06-30"),
            day("2023-09-30"),
            day("2023-12-31"),
            today,
        ] {
            let read = find_view(&mut conn, id, kept_on, Keeping::Today(kept_on))
                .unwrap()
                .unwrap();
            assert_eq!(
                read,
                view(&mut conn, id, kept_on),
                "{id:?} kept on {kept_on}"
            );
            let mut days = vec![kept_on, kept_on + Duration::days(1)];
            for d in &dates {
                days.extend([*d - Duration::days(1), *d, *d + Duration::days(1)]);
            }
            for on in days.into_iter().filter(|on| *on >= kept_on) {
                match kept_view(&mut conn, id, on).unwrap() {
                    Some(kept) => {
                        assert_eq!(
                            kept,
                            view(&mut conn, id, on),
                            "{id:?} kept on {kept_on}, read on {on}"
                        );
                        used += 1;
                    }
                    None => not_used += 1,
                }
            }
            if kept_on == today {
                for later in [today + Duration::days(1), today + Duration::days(3650)] {
                    assert_eq!(
                        kept_view(&mut conn, id, later).unwrap().as_ref(),
                        Some(&view(&mut conn, id, later)),
                        "{id:?} kept today, read on {later}"
                    );
                }
            }
        }
    }
    assert!(
        used > 1000 && not_used > 100,
        "used {used}, not used {not_used}"
    );
    // a standing kept today is not used for a day before
    let id = ids[0];
    app.execute(&format!(
        "DELETE FROM task_standing WHERE task_id = '{}'",
        id.0
    ));
    find_view(&mut conn, id, today, Keeping::Today(today))
        .unwrap()
        .unwrap();
    assert!(kept_view(&mut conn, id, today).unwrap().is_some());
    assert!(kept_view(&mut conn, id, today - Duration::days(1))
        .unwrap()
        .is_none());
}

/// Read (and so kept) before each kind of change, a task reads as the view
/// gives it after the change: no change leaves its kept standing behind.
#[actix_web::test]
async fn no_change_leaves_a_kept_standing_behind() {
    let app = TestApp::demo().await;
    let mut conn = app.pool().get().unwrap();
    let today = province_date(chrono::Utc::now());
    let coordinator = Actor::coordinator(&app);
    let lead = Actor::officer(&app, STP);
    let plan = coordinator.create_plan(&PlanBody::year(2024)).await.id();
    let task = fresh_task(
        &app,
        &plan,
        TaskBody::new("NV01")
            .quarter("2024-Q2")
            .supporting(&[STTTT]),
    )
    .await;
    let id = task_id(&task);
    let evidence = crate::workflow::implementation_plan;

    // Keeps the standing, makes the change, and checks what is read after it.
    let mut before = find_view(&mut conn, id, today, Keeping::Today(today))
        .unwrap()
        .unwrap();
    let mut after_change = |conn: &mut PgConnection, what: &str| {
        let read = find_view(conn, id, today, Keeping::Today(today))
            .unwrap()
            .unwrap();
        let fresh = view(conn, id, today);
        assert_eq!(read, fresh, "read after: {what}");
        assert_ne!(
            fresh, before,
            "the change changed the task's standing: {what}"
        );
        assert_eq!(
            kept_view(conn, id, today).unwrap(),
            Some(fresh.clone()),
            "kept again after: {what}"
        );
        before = fresh;
    };

    lead.post_report(
        &task,
        &ReportBody::new(40, "Đang triển khai").evidence(evidence()),
    )
    .await;
    after_change(&mut conn, "a report by the lead agency");
    lead.claim_completion(
        &task,
        &ClaimBody::new("2024-06-20", "Đã xong").evidence(evidence()),
    )
    .await;
    after_change(&mut conn, "a completion claim");
    let claimant = app.account(&crate::demo::officer(STP));
    Actor::admin(&app)
        .update_user(
            &claimant.id,
            &json!({"display_name": "Chuyên viên Sở Tư pháp"}),
        )
        .await;
    after_change(&mut conn, "the claimant's display name");
    coordinator
        .review(&task, &ReviewBody::send_back().comment("Thiếu văn bản"))
        .await;
    after_change(&mut conn, "a claim sent back");
    let request = lead
        .request_extension(&task, &ExtensionBody::new("2024-09-30", "Chờ hướng dẫn"))
        .await
        .id();
    after_change(&mut conn, "an extension request");
    coordinator
        .decide_extension(&request, &DecisionBody::approve())
        .await;
    after_change(&mut conn, "an extension approved");
    app.execute(&format!(
        "UPDATE agencies SET name = name || ' (tên mới)' WHERE code = '{STTTT}'"
    ));
    after_change(&mut conn, "a supporting agency renamed");
    app.execute(&format!(
        "UPDATE agencies SET code = code || '-X' WHERE code = '{STP}'"
    ));
    after_change(&mut conn, "the lead agency's code changed");
    app.execute(&format!(
        "DELETE FROM task_supporting_agencies WHERE task_id = '{}'",
        id.0
    ));
    after_change(&mut conn, "a supporting agency taken off");
}

/// Reading a task whose standing is kept checks the caller's account in the
/// same statement: a token its account no longer honours (deactivated, or
/// issued before the password changed) is refused as on any other read.
#[actix_web::test]
async fn a_kept_task_is_refused_to_a_token_its_account_no_longer_honours() {
    let app = TestApp::demo().await;
    let mut conn = app.pool().get().unwrap();
    let today = province_date(chrono::Utc::now());
    let task = app.texts("SELECT id::text AS t FROM tasks ORDER BY code, id LIMIT 1")[0].clone();
    let username = crate::demo::officer(STTTT);
    let reader = Actor::officer(&app, STTTT);
    let read = reader.get(&path::task(&task)).await.ok();
    assert_eq!(read["id"], json!(task));
    assert!(kept_view(&mut conn, task_id(&task), today)
        .unwrap()
        .is_some());
    assert_eq!(
        reader.get(&path::task(&task)).await.ok(),
        read,
        "read from the kept standing"
    );

    app.execute(&format!(
        "UPDATE users SET credential_version = credential_version + 1 WHERE username = '{username}'"
    ));
    reader.get(&path::task(&task)).await.problem(401);
    let renewed = Actor::officer(&app, STTTT);
    renewed.get(&path::task(&task)).await.ok();
    app.execute(&format!(
        "UPDATE users SET active = false WHERE username = '{username}'"
    ));
    renewed.get(&path::task(&task)).await.problem(401);
}
