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
use par_tracker::domain::enums::TaskSort;
use par_tracker::domain::ids::TaskId;
use par_tracker::domain::overdue::province_date;
use par_tracker::store::tasks::{
    find_view, find_view_uncached, kept_view, list_view, list_view_computed, Keeping, TaskFilter,
    TaskViewRow,
};

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
        "UPDATE task_standing SET basis = basis + 1 WHERE task_id = '{}'",
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

/// Every task as of `on`, the list read as the API reads it (kept standings
/// where they hold, keeping as `keeping` says).
fn listed(conn: &mut PgConnection, on: NaiveDate, keeping: Keeping) -> Vec<TaskViewRow> {
    list_view(
        conn,
        &TaskFilter::as_of(on),
        TaskSort::Code,
        None,
        None,
        keeping,
    )
    .unwrap()
}

fn listed_computed(conn: &mut PgConnection, on: NaiveDate) -> Vec<TaskViewRow> {
    list_view_computed(conn, &TaskFilter::as_of(on), TaskSort::Code, None, None).unwrap()
}

/// A list read on a day keeps the standing of each of its rows, as reading
/// each task alone would: kept, each is the view's on the days around every
/// date it turns on, and the list read from them is the view's.
#[actix_web::test]
async fn a_list_keeps_the_standings_of_its_rows_and_reads_them_as_the_view() {
    let app = TestApp::demo().await;
    let mut conn = app.pool().get().unwrap();
    let today = province_date(chrono::Utc::now());
    let tasks = app.count("SELECT count(*) AS n FROM tasks") as usize;
    // (the demo's own history, read as it was made, kept some standings already)
    let written_on = |on: NaiveDate| {
        app.count(&format!(
            "SELECT count(*) AS n FROM task_standing WHERE from_on = '{on}'"
        ))
    };
    let holding_on = |on: NaiveDate| {
        app.count(&format!(
            "SELECT count(*) AS n FROM task_standing x WHERE x.filled_basis = x.basis
               AND x.epoch = (SELECT epoch FROM standing_epoch)
               AND x.from_on <= '{on}' AND (x.until_on IS NULL OR '{on}' < x.until_on)"
        ))
    };
    let mut used = 0;
    for kept_on in [day("2023-06-30"), day("2023-12-31"), today] {
        // read without keeping, nothing is kept; read keeping, every row is
        let written = written_on(kept_on);
        assert!(holding_on(kept_on) < tasks as i64);
        let listed_first = listed(&mut conn, kept_on, Keeping::Never);
        assert_eq!(
            written_on(kept_on),
            written,
            "kept by a list that does not keep"
        );
        assert_eq!(listed_first.len(), tasks);
        assert_eq!(listed_first, listed_computed(&mut conn, kept_on));
        let keeping = listed(&mut conn, kept_on, Keeping::Today(kept_on));
        assert_eq!(keeping, listed_first, "as of {kept_on}");
        assert_eq!(holding_on(kept_on), tasks as i64, "kept on {kept_on}");
        for row in &keeping {
            let id = row.task.id;
            let mut days = vec![kept_on, kept_on + Duration::days(1)];
            for d in dates_of(&app, id) {
                days.extend([d - Duration::days(1), d, d + Duration::days(1)]);
            }
            for on in days.into_iter().filter(|on| *on >= kept_on) {
                if let Some(kept) = kept_view(&mut conn, id, on).unwrap() {
                    assert_eq!(
                        kept,
                        view(&mut conn, id, on),
                        "{id:?} kept on {kept_on}, read on {on}"
                    );
                    used += 1;
                }
            }
        }
        // read again, from the kept standings: the view's
        assert_eq!(listed(&mut conn, kept_on, Keeping::Never), listed_first);
        assert_eq!(
            listed(&mut conn, kept_on + Duration::days(1), Keeping::Never),
            listed_computed(&mut conn, kept_on + Duration::days(1)),
            "the day after {kept_on}"
        );
    }
    assert!(used > 500, "used {used}");
}

/// Keeping a list's standings never waits on a writer: a task whose
/// standing row another transaction holds is read, computed, and left to be
/// kept later; the others are kept.
#[actix_web::test]
async fn a_list_does_not_wait_for_a_standing_being_written() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::demo().await;
    let mut conn = app.pool().get().unwrap();
    let today = province_date(chrono::Utc::now());
    let held = app.texts("SELECT id::text AS t FROM tasks ORDER BY code, id LIMIT 1")[0].clone();
    // nothing holds: every standing is to be kept
    app.execute("UPDATE task_standing SET basis = basis + 1");
    let mut writer = app.pool().get().unwrap();
    writer
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM task_standing WHERE task_id = '{held}' FOR UPDATE;"
        ))
        .unwrap();
    // a wait would end in this error instead of the list
    conn.batch_execute("SET statement_timeout = '5s'").unwrap();
    let rows = listed(&mut conn, today, Keeping::Today(today));
    conn.batch_execute("RESET statement_timeout").unwrap();
    assert_eq!(rows, listed_computed(&mut conn, today));
    writer.batch_execute("ROLLBACK").unwrap();
    assert!(kept_view(&mut conn, task_id(&held), today)
        .unwrap()
        .is_none());
    let others = app.texts("SELECT id::text AS t FROM tasks ORDER BY code, id OFFSET 1");
    assert!(!others.is_empty());
    for id in others {
        assert!(
            kept_view(&mut conn, task_id(&id), today).unwrap().is_some(),
            "{id} kept"
        );
    }
}

/// The task list the API serves keeps the standings of its page.
#[actix_web::test]
async fn the_task_list_keeps_the_standings_of_its_page() {
    let app = TestApp::demo().await;
    let mut conn = app.pool().get().unwrap();
    let today = province_date(chrono::Utc::now());
    let page = Actor::inspector(&app)
        .get("/api/v1/tasks?limit=5")
        .await
        .ok();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    for item in items {
        let id = task_id(item.text("id"));
        assert_eq!(
            kept_view(&mut conn, id, today).unwrap(),
            Some(view(&mut conn, id, today))
        );
    }
    assert_eq!(
        Actor::inspector(&app)
            .get("/api/v1/tasks?limit=5")
            .await
            .ok(),
        page,
        "read again, from the kept standings"
    );
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
    // Read after each change alone, or (every other change) in a list.
    let mut in_list = false;
    let mut after_change = |conn: &mut PgConnection, what: &str| {
        in_list = !in_list;
        let read = if in_list {
            let mut filter = TaskFilter::as_of(today);
            filter.ids = Some(vec![id]);
            list_view(
                conn,
                &filter,
                TaskSort::Code,
                None,
                None,
                Keeping::Today(today),
            )
            .unwrap()
            .remove(0)
        } else {
            find_view(conn, id, today, Keeping::Today(today))
                .unwrap()
                .unwrap()
        };
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

    app.change_account(&username, "credential_version = credential_version + 1");
    reader.get(&path::task(&task)).await.problem(401);
    let renewed = Actor::officer(&app, STTTT);
    renewed.get(&path::task(&task)).await.ok();
    app.change_account(&username, "active = false");
    renewed.get(&path::task(&task)).await.problem(401);
}

/// The same for a task whose standing is not kept: it is read through the
/// view, after the account is checked on its own.
#[actix_web::test]
async fn a_task_not_kept_is_refused_to_a_token_its_account_no_longer_honours() {
    let app = TestApp::demo().await;
    let mut conn = app.pool().get().unwrap();
    let today = province_date(chrono::Utc::now());
    let task = app.texts("SELECT id::text AS t FROM tasks ORDER BY code, id LIMIT 1")[0].clone();
    let username = crate::demo::officer(STTTT);
    let reader = Actor::officer(&app, STTTT);
    // Marked stale, as the triggers mark it on a change (the demo's load may
    // have kept it).
    app.execute(&format!(
        "UPDATE task_standing SET basis = basis + 1 WHERE task_id = '{task}'"
    ));
    assert!(kept_view(&mut conn, task_id(&task), today)
        .unwrap()
        .is_none());

    app.change_account(&username, "credential_version = credential_version + 1");
    reader.get(&path::task(&task)).await.problem(401);
    app.change_account(&username, "active = false");
    Actor::officer(&app, STTTT)
        .get(&path::task(&task))
        .await
        .problem(401);
    assert!(
        kept_view(&mut conn, task_id(&task), today)
            .unwrap()
            .is_none(),
        "refused before the view ran"
    );
}
