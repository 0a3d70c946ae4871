use std::io::BufRead;
use std::process::ExitCode;

use par_tracker::config::Config;
use par_tracker::{db, seed, startup};

const USAGE: &str = "usage: par-tracker [serve | seed-demo | create-user USERNAME ROLE [AGENCY_CODE] | openapi [--write]]
  serve        run the API (default)
  seed-demo    load the 2023 demo plan and demo accounts (once)
  create-user  create an account; the password is read from standard input
  openapi      print the OpenAPI document (--write: to openapi/openapi.json)";

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("serve");
    if command == "openapi" {
        let json = startup::openapi_json();
        if args.get(1).map(String::as_str) == Some("--write") {
            if let Err(e) = std::fs::write("openapi/openapi.json", json) {
                eprintln!("cannot write openapi/openapi.json: {e}");
                return ExitCode::FAILURE;
            }
        } else {
            print!("{json}");
        }
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let result: Result<(), Box<dyn std::error::Error + Send + Sync>> = match command {
        "serve" => match startup::bind(&config) {
            Ok(listener) => actix_web::rt::System::new().block_on(startup::serve(config, listener)),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        "seed-demo" => with_database(&config, |url| {
            let pool = db::build_pool(url, 2)?;
            let mut conn = pool.get()?;
            if seed::load_demo_if_empty(&mut conn)? {
                seed::warn_demo_accounts();
            } else {
                log::info!("the demo plan is already loaded; nothing to do");
            }
            Ok(())
        }),
        "create-user" => match (args.get(1), args.get(2)) {
            (Some(username), Some(role)) => with_database(&config, |url| {
                let mut password = String::new();
                std::io::stdin().lock().read_line(&mut password)?;
                let pool = db::build_pool(url, 1)?;
                let mut conn = pool.get()?;
                let user = seed::create_user(
                    &mut conn,
                    username,
                    role,
                    args.get(3).map(String::as_str),
                    password.trim_end_matches(['\r', '\n']),
                )?;
                println!("created user {} ({})", user.username, user.role);
                Ok(())
            }),
            _ => Err(USAGE.into()),
        },
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command '{other}'\n{USAGE}").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the database (starting the local cluster if needed), migrates, runs `work`, stops the cluster.
fn with_database(
    config: &Config,
    work: impl FnOnce(&str) -> Result<(), Box<dyn std::error::Error + Send + Sync>>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let database = startup::open_database(config, startup::ClusterUse::Borrow)?;
    let result = db::run_migrations(&database.url)
        .map_err(Into::into)
        .and_then(|_| work(&database.url));
    if let Some(cluster) = &database.cluster {
        cluster.stop()?;
    }
    result
}
