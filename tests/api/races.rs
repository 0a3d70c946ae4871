//! Invariants that span rows, under concurrent requests: no loop in the
//! agency hierarchy, and always at least one active administrator. Each
//! round sends the two conflicting requests at once (their database work runs
//! on separate connections) and checks that at most one succeeded.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::actors::{path, Actor};
use crate::bodies::UserBody;
use crate::common::{JsonExt, Reply, TestApp};

#[actix_web::test]
async fn parallel_moves_never_make_an_agency_loop() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    for round in 0..10 {
        let a = coordinator
            .post(
                "/api/v1/agencies",
                &json!({"code": format!("LOOPA{round}"), "name": "Cơ quan A", "kind": "department"}),
            )
            .await
            .created()
            .id();
        let b = coordinator
            .post(
                "/api/v1/agencies",
                &json!({"code": format!("LOOPB{round}"), "name": "Cơ quan B", "kind": "department"}),
            )
            .await
            .created()
            .id();
        let (under_b, under_a) = (json!({"parent_id": b}), json!({"parent_id": a}));
        let a_path = format!("/api/v1/agencies/{a}");
        let b_path = format!("/api/v1/agencies/{b}");
        let (first, second) = futures_util::future::join(
            coordinator.patch(&a_path, &under_b),
            coordinator.patch(&b_path, &under_a),
        )
        .await;
        let ok = [&first, &second]
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .count();
        assert_eq!(ok, 1, "round {round}: {} / {}", first.raw, second.raw);
        for r in [&first, &second] {
            if r.status != StatusCode::OK {
                r.field_error(422, "parent_id");
            }
        }
        let loops = app.count(&format!(
            "SELECT count(*) AS n FROM agencies a JOIN agencies b ON a.parent_id = b.id
             WHERE b.parent_id = a.id AND a.id IN ('{a}', '{b}')"
        ));
        assert_eq!(loops, 0, "round {round}");
    }
}

/// Exactly two active administrators: the demo's (`admin`) and a new one,
/// `name`. Returns the new one, its id and the demo admin's id.
async fn two_admins<'a>(
    app: &'a TestApp,
    admin: &Actor<'a>,
    name: &str,
) -> (Actor<'a>, String, String) {
    app.execute("UPDATE users SET active = (username = 'admin') WHERE role = 'admin'");
    let second = admin
        .post(
            path::USERS,
            &UserBody::new(name, "Quản trị 2", "mat-khau-quan-tri-2", "admin"),
        )
        .await
        .created();
    (Actor::named(app, name), second.id(), admin.me().await.id())
}

/// The two administrators deactivating each other at once.
async fn deactivate_each_other(
    first: &Actor<'_>,
    first_id: &str,
    second: &Actor<'_>,
    second_id: &str,
) -> (Reply, Reply) {
    futures_util::future::join(
        first.patch(&path::user(second_id), &json!({"active": false})),
        second.patch(&path::user(first_id), &json!({"active": false})),
    )
    .await
}

#[actix_web::test]
async fn two_admins_removing_each_other_leave_one() {
    let app = TestApp::demo().await;
    let admin = Actor::admin(&app);
    for round in 0..8 {
        let (second, second_id, first_id) =
            two_admins(&app, &admin, &format!("quantri{round}")).await;
        let (by_first, by_second) =
            deactivate_each_other(&admin, &first_id, &second, &second_id).await;
        let active_admins =
            app.count("SELECT count(*) AS n FROM users WHERE role = 'admin' AND active");
        assert!(active_admins >= 1, "round {round}: no administrator left");
        let refused = [&by_first, &by_second]
            .into_iter()
            .filter(|r| r.status != StatusCode::OK)
            .collect::<Vec<_>>();
        assert_eq!(
            refused.len(),
            1,
            "round {round}: {} / {}",
            by_first.raw,
            by_second.raw
        );
        // whoever lost was refused for a reason it can act on, not a 500
        let r = refused[0];
        assert!(
            matches!(r.status.as_u16(), 401 | 409),
            "round {round}: {}",
            r.raw
        );
    }
}

/// The same, with the two requests made to meet: the test holds a lock on
/// `users` that lets reads and row locks through but no update, until both
/// requests wait on the database; so both have started before either writes.
#[actix_web::test]
async fn two_admins_removing_each_other_at_the_same_moment_leave_one() {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let app = TestApp::demo().await;
    let admin = Actor::admin(&app);
    let (second, second_id, first_id) = two_admins(&app, &admin, "quantri9").await;

    let url = crate::common::url(&app.db_name);
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let mut conn = PgConnection::establish(&url).unwrap();
        conn.transaction::<i64, diesel::result::Error, _>(|conn| {
            diesel::sql_query("LOCK TABLE users IN SHARE MODE").execute(conn)?;
            locked_tx.send(()).unwrap();
            let started = std::time::Instant::now();
            loop {
                let waiting = diesel::sql_query(
                    "SELECT count(*) AS n FROM pg_stat_activity
                      WHERE datname = current_database() AND wait_event_type = 'Lock'",
                )
                .get_result::<Count>(conn)?
                .n;
                if waiting >= 2 || started.elapsed() > std::time::Duration::from_secs(10) {
                    return Ok(waiting);
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        })
        .unwrap()
    });
    locked_rx.recv().unwrap();
    let (by_first, by_second) = deactivate_each_other(&admin, &first_id, &second, &second_id).await;
    assert_eq!(
        holder.join().unwrap(),
        2,
        "both requests reached the database"
    );
    let statuses = [by_first.status.as_u16(), by_second.status.as_u16()];
    assert_eq!(
        app.count("SELECT count(*) AS n FROM users WHERE role = 'admin' AND active"),
        1,
        "one administrator is left ({statuses:?})"
    );
    assert!(
        statuses == [200, 409] || statuses == [409, 200],
        "one wins, the other is told why: {} / {}",
        by_first.raw,
        by_second.raw
    );
}

/// A period closing while an agency submits its report: the submission lands
/// before the closing or is refused with 409, never half of each.
#[actix_web::test]
async fn a_submission_racing_the_closing_is_in_or_refused() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let officer = Actor::officer(&app, crate::demo::STP);
    let stp = app.agency_id(crate::demo::STP);
    for round in 0..6 {
        let plan = coordinator
            .create_plan(&crate::bodies::PlanBody::new(
                &format!("CCHC-RACE{round}"),
                2024,
            ))
            .await
            .id();
        crate::actors::fresh_task(
            &app,
            &plan,
            crate::bodies::TaskBody::new("K1")
                .lead(crate::demo::STP)
                .date("2024-02-28"),
        )
        .await;
        let period = coordinator
            .post(
                &path::plan_periods(&plan),
                &json!({"kind": "quarter", "value": "2024-Q1"}),
            )
            .await
            .created()
            .id();
        let report = path::agency_report(&period, &stp, "");
        officer
            .put(&report, &json!({"document_number": "1/BC-STP", "issued_on": "2024-03-10", "results": "Kết quả"}))
            .await
            .ok();
        let (closed, submitted) = futures_util::future::join(
            coordinator.post_empty(&path::period(&period, "/close")),
            officer.post_empty(&format!("{report}/submit")),
        )
        .await;
        closed.ok();
        let tracker = Actor::inspector(&app)
            .get(&path::period(&period, "/agency-reports"))
            .await
            .ok();
        let status = tracker["items"][0]["status"].clone();
        if submitted.status == StatusCode::OK {
            assert_eq!(status, "submitted", "round {round}");
        } else {
            submitted.problem(409).problem_type("period-closed");
            assert_eq!(
                status, "draft",
                "round {round}: refused, so nothing of it written"
            );
        }
    }
}
