use std::io::BufRead;
use std::process::ExitCode;

use par_tracker::config::Config;
use par_tracker::{db, seed, startup};

const USAGE: &str = "usage: par-tracker [serve | seed-demo | create-user USERNAME ROLE [AGENCY_CODE] [--name DISPLAY_NAME] | openapi [--write]]
  serve        run the API (default)
  seed-demo    load the demo plans and demo accounts (once)
  create-user  create an account; the password is asked for (without echo) on a terminal,
               else read from the first line of standard input
  openapi      print the OpenAPI document (--write: to this source tree's openapi/openapi.json)";

/// The spec file of the source tree this binary was built from, wherever it is run.
const SPEC_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("serve");
    if command == "openapi" {
        let json = startup::openapi_json();
        if args.get(1).map(String::as_str) == Some("--write") {
            // Written whole and renamed: a reader never sees half a spec.
            let temporary = format!("{SPEC_FILE}.{}", std::process::id());
            if let Err(e) = std::fs::write(&temporary, json)
                .and_then(|_| std::fs::rename(&temporary, SPEC_FILE))
            {
                let _ = std::fs::remove_file(&temporary);
                eprintln!("cannot write {SPEC_FILE}: {e}");
                return ExitCode::FAILURE;
            }
            eprintln!("wrote {SPEC_FILE}");
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
        "create-user" => match create_user_args(&args[1..]) {
            Ok(account) => with_database(&config, |url| {
                let password = read_password(account.username)?;
                let pool = db::build_pool(url, 1)?;
                let mut conn = pool.get()?;
                let user = seed::create_user(
                    &mut conn,
                    &seed::NewAccount {
                        password: &password,
                        ..account
                    },
                )?;
                println!(
                    "created user {} ({}, {})",
                    user.username, user.role, user.display_name
                );
                Ok(())
            }),
            Err(e) => Err(format!("{e}\n{USAGE}").into()),
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

/// `USERNAME ROLE [AGENCY_CODE] [--name DISPLAY_NAME]`.
fn create_user_args(args: &[String]) -> Result<seed::NewAccount<'_>, String> {
    let mut positional = Vec::new();
    let mut display_name = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--name" => {
                display_name = Some(rest.next().ok_or("--name needs a display name")?.as_str())
            }
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            other => positional.push(other),
        }
    }
    if !(2..=3).contains(&positional.len()) {
        return Err("create-user needs USERNAME and ROLE, and an AGENCY_CODE at most".into());
    }
    Ok(seed::NewAccount {
        username: positional[0],
        role: positional[1],
        agency_code: positional.get(2).copied(),
        display_name,
        password: "",
    })
}

/// On a terminal: asked for twice, without echo. Otherwise: the first line of standard input.
fn read_password(username: &str) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let stdin = std::io::stdin();
    if !terminal::is_terminal(&stdin) {
        let mut password = String::new();
        stdin.lock().read_line(&mut password)?;
        return Ok(password.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = terminal::ask_hidden(&format!("password for {username}: "))?;
    let again = terminal::ask_hidden("the same password again: ")?;
    if first != again {
        return Err("the two passwords differ; nothing was created".into());
    }
    Ok(first)
}

mod terminal {
    use std::io::{BufRead, IsTerminal, Write};
    use std::os::fd::AsRawFd;

    pub fn is_terminal(stdin: &std::io::Stdin) -> bool {
        stdin.is_terminal()
    }

    /// Prompts on standard error and reads a line with the terminal's echo off.
    pub fn ask_hidden(prompt: &str) -> std::io::Result<String> {
        let stdin = std::io::stdin();
        let fd = stdin.as_raw_fd();
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        // SAFETY: termios is plain data; tcgetattr fills it for a valid descriptor.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        quiet.c_lflag |= libc::ECHONL;
        // SAFETY: setting attributes read from the same descriptor, echo cleared.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
        let mut line = String::new();
        let read = stdin.lock().read_line(&mut line);
        // SAFETY: restores what tcgetattr read, whatever the read did.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
        read?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
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
