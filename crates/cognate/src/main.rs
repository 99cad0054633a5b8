//! The `cognate` binary: configuration, logging, the store, the runtime, signals.

mod config;
mod master_key;
mod seed_file;

use clap::Parser;
use cognate_api::Operation;
use cognate_delivery::{HttpUpstream, KmsClient, LambdaClient, Outbound, SmsWebhook, Smtp};
use cognate_domain::{Delivery, Discard, OutboxDelivery, Service, ServiceConfig};
use cognate_server::{IamCredentials, Limits, Server, ServerOptions};
use cognate_store::Store;
use config::{Cli, Command, ServeConfig};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Operations => {
            print!("{}", operations_table());
            ExitCode::SUCCESS
        }
        Command::Serve(config) => match serve(*config) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("cognate: {message}");
                ExitCode::FAILURE
            }
        },
    }
}

fn serve(config: ServeConfig) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .map_err(|e| format!("--log {}: {e}", config.log))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .compact()
        .init();

    let store = match &config.database_url {
        Some(url) => Store::open_postgres(url)
            .map_err(|e| format!("cannot open the PostgreSQL database: {e}"))?,
        None => Store::open_sqlite(&config.data)
            .map_err(|e| format!("cannot open the database in {}: {e}", config.data.display()))?,
    };
    let seed = config.config.as_deref().map(seed_file::read).transpose()?;
    let iam_credentials = config
        .iam_credentials
        .as_ref()
        .map(|s| IamCredentials::parse(&s.0))
        .transpose()
        .map_err(|e| format!("--iam-credentials: {e}"))?;
    if config.max_connections == 0 || config.max_requests_in_flight == 0 {
        return Err("--max-connections and --max-requests-in-flight must be at least 1".into());
    }
    let limits = Limits {
        header_read_timeout: Duration::from_millis(config.header_read_timeout_ms.max(1)),
        body_read_timeout: Duration::from_millis(config.body_read_timeout_ms.max(1)),
        max_connections: config.max_connections,
        max_requests_in_flight: config.max_requests_in_flight,
    };
    let secrets = master_key::load(&config, &store)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let kept = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"))
            .trim_end_matches('/')
            .to_string();
        let (delivery, unsent, failures) = delivery(&config, &store)?;
        let service = Service::with_delivery(
            store,
            ServiceConfig {
                default_region: config.region.clone(),
                account_id: config.account_id.clone(),
                issuer_base: config
                    .issuer_base
                    .clone()
                    .unwrap_or_else(|| public_url.clone()),
                public_url: public_url.clone(),
                control_api: !config.disable_control_api,
                log_delivery_dir: config.log_delivery_dir.clone(),
                enforce_quotas: config.enforce_quotas,
                recovery_min_age_seconds: config.recovery_min_age as f64,
            },
            secrets,
            delivery,
        );
        let kept = service.clone();
        if let Some(hook) = failures {
            let logging = service.clone();
            let _ = hook.set(Arc::new(move |message, error| {
                let logging = logging.clone();
                tokio::spawn(async move { logging.log_delivery_failure(&message, &error).await });
            }));
        }
        let upstream = match &config.outbound_ca_file {
            Some(path) => HttpUpstream::with_trusted_ca_file(path)?,
            None => HttpUpstream::new(),
        };
        service.set_upstream(Arc::new(upstream));
        if let Some(endpoint) = &config.lambda_endpoint {
            let credentials = config.lambda_credentials.as_ref().map(|s| s.0.as_str());
            service.set_lambda(Arc::new(LambdaClient::new(endpoint, credentials)?));
        }
        if let Some(endpoint) = &config.kms_endpoint {
            let credentials = config.kms_credentials.as_ref().map(|s| s.0.as_str());
            service.set_kms(Arc::new(KmsClient::new(endpoint, credentials)?));
        }
        if let (Some(seed), Some(path)) = (seed, config.config.as_deref()) {
            seed_file::apply(&service, seed, path).await?;
        }
        println!("listening on {address}");
        let _ = std::io::stdout().flush();
        tracing::info!(
            %address,
            engine = ?service.store().engine(),
            iam = iam_credentials.is_some(),
            "cognate is ready"
        );
        // Expired sessions, revocations, refresh tokens and old sent messages are dropped
        // every few minutes.
        let purging = service.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
            loop {
                every.tick().await;
                if let Err(e) = purging.purge_expired().await {
                    tracing::warn!(error = %e.message, "purging expired sessions failed");
                }
            }
        });
        // With quotas enforced, the raised limits are read, and on PostgreSQL this node's
        // share of each rate counted, every few seconds.
        if config.enforce_quotas {
            let counting = service.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(
                    cognate_domain::quotas::REFRESH_SECONDS,
                ));
                loop {
                    every.tick().await;
                    if let Err(e) = counting.refresh_quotas().await {
                        tracing::warn!(error = %e.message, "reading the quotas failed");
                    }
                }
            });
        }
        // User import jobs left running by this process before a restart resume; on
        // PostgreSQL, those of a node that stopped are taken over once its lease on them
        // has run out. Point-in-time recoveries left generating their preview or restoring
        // take their next step the same way.
        let importing = service.clone();
        tokio::spawn(async move {
            let mut restarted = true;
            let mut every = tokio::time::interval(std::time::Duration::from_secs(10));
            loop {
                every.tick().await;
                if let Err(e) = importing.resume_user_imports(restarted).await {
                    tracing::warn!(error = %e.message, "resuming user import jobs failed");
                }
                if let Err(e) = importing.advance_recoveries().await {
                    tracing::warn!(error = %e.message, "advancing point-in-time recoveries failed");
                }
                restarted = false;
            }
        });
        let server = Server::new(
            service,
            ServerOptions {
                control_api: !config.disable_control_api,
                iam_credentials,
                listen: address,
                public_url,
                limits,
            },
        );
        server.serve(listener, shutdown_signal()).await;
        if let Some(n) = unsent.map(|u| u.load(Ordering::SeqCst)).filter(|n| *n > 0) {
            tracing::error!(
                messages = n,
                "stopping with emails or SMS not yet sent; they are lost"
            );
        }
        tracing::info!("stopped");
        Ok::<_, String>(kept)
    })?;
    // The background tasks (the purge, import jobs) hold the service, and the runtime
    // drops them as it shuts down. The last holder closes the store, which on PostgreSQL
    // blocks on its connections: that must happen here, outside the runtime, where
    // blocking is allowed.
    drop(runtime);
    drop(kept);
    Ok(())
}

/// Where messages go: the outbox (with the control API) or nowhere, and also SMTP and
/// the SMS webhook when configured. With those, the count of messages still being
/// tried, reported at shutdown.
type Unsent = Option<Arc<AtomicUsize>>;

/// Where the service is told of messages that could not be sent, with SMTP or SMS.
type Failures = Option<Arc<std::sync::OnceLock<cognate_delivery::FailureHook>>>;

fn delivery(
    config: &ServeConfig,
    store: &Store,
) -> Result<(Arc<dyn Delivery>, Unsent, Failures), String> {
    let local: Arc<dyn Delivery> = if config.disable_control_api {
        Arc::new(Discard)
    } else {
        Arc::new(OutboxDelivery::new(store.clone()))
    };
    let smtp = config
        .smtp_url
        .as_ref()
        .map(|u| Smtp::from_url(&u.0))
        .transpose()?;
    let sms = config
        .sms_webhook
        .as_deref()
        .map(SmsWebhook::new)
        .transpose()?;
    if smtp.is_none() && sms.is_none() {
        return Ok((local, None, None));
    }
    if let Some(smtp) = &smtp {
        tracing::info!(server = smtp.server(), "emails are sent over SMTP");
    }
    let outbound = Outbound::new(local, smtp, sms);
    let unsent = outbound.pending_counter();
    let failures = outbound.failure_hook();
    Ok((Arc::new(outbound), Some(unsent), Some(failures)))
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// The Markdown table of every operation of the model and its status in cognate.
fn operations_table() -> String {
    let mut out =
        String::from("| Operation | Status | In the original specification |\n|---|---|---|\n");
    let mut implemented = 0;
    for op in Operation::ALL {
        let done = cognate_domain::implemented(op);
        implemented += usize::from(done);
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            op.name(),
            if done {
                "implemented"
            } else {
                "not yet (NotImplementedException)"
            },
            if op.in_seed() { "yes" } else { "" }
        ));
    }
    out.push_str(&format!(
        "\n{implemented} of {} operations implemented.\n",
        Operation::ALL.len()
    ));
    out
}
