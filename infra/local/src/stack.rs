//! The whole service running locally in virtual time: the four functions, wired as in
//! AWS but against moto server and the LINE simulator, invoked by a scheduler driver.

use crate::driver::{StoredSchedule, read_schedule, schedule_names, sqs_record};
use crate::faults::FaultProxy;
use crate::metrics::AwsCalls;
use crate::moto::Moto;
use crate::resources::{LocalSecrets, Resources};
use crate::template::AsyncInvokeSpec;
use crate::{LocalError, Result, template, workspace_root};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use jiff::Timestamp;
use lambda_runtime::{Context, LambdaEvent};
use line_simulator::{SignedWebhook, SimConfig, Simulator};
use mimamori::app::App;
use mimamori::app::wiring::{AwsClients, Needs, build_with};
use mimamori::clock::VirtualClock;
use mimamori::config::Env;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// One app per function, each with only what its function has in AWS.
pub struct Functions {
    pub webhook: App,
    pub check: App,
    pub deadline: App,
    pub escalation: App,
}

/// What the driver did, for tests to inspect.
#[derive(Clone, Debug)]
pub struct Invocation {
    pub at: Timestamp,
    pub function: &'static str,
    pub payload: Value,
    pub result: std::result::Result<Value, String>,
    /// How long the handler took (real time, against the local emulators).
    pub took: std::time::Duration,
}

/// An asynchronous invocation Lambda will try again.
#[derive(Clone, Debug)]
struct PendingRetry {
    due: Timestamp,
    function: &'static str,
    payload: Value,
    /// The attempt this will be (2 or 3).
    attempt: u32,
    /// When Lambda first accepted the event (its age counts from then).
    accepted: Timestamp,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub start: Timestamp,
    pub operator: String,
    /// Extra environment for the functions (e.g. the escalation policy).
    pub env: Vec<(String, String)>,
    /// Start a moto server owned by this stack (the demo) instead of the process-wide one (tests).
    pub own_moto: bool,
    /// A fixed address for an owned moto server (host, port) instead of a free loopback port.
    pub moto_at: Option<(String, u16)>,
    /// A fixed address for the LINE simulator instead of a free loopback port.
    pub simulator_at: Option<std::net::SocketAddr>,
    /// Resource names' prefix; unique per stack unless given.
    pub prefix: Option<String>,
    /// Also create the template's hourly watchdog schedule (off by default so tests that
    /// count invocations see only their own).
    pub watchdog: bool,
    /// How long after its time Scheduler fires a schedule, by name (it fires within a
    /// minute; `at()` keeps whole seconds). None: exactly on time.
    pub firing_delay: Option<fn(&str) -> jiff::SignedDuration>,
    /// Scheduler and Lambda deliver at least once: about this many in a thousand
    /// firings are delivered twice (the chaos run), with this seed.
    pub duplicate_per_mille: u32,
    pub seed: u64,
    /// Capture the functions' log lines and, when the stack is dropped, fail if any
    /// carries personal data ([`crate::logscan`]). Off for the long runs, whose lines
    /// would fill memory.
    pub scan_logs: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            start: "2026-11-29T01:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH),
            operator: "local".into(),
            env: vec![
                ("LINE_TIMEOUT_MS".into(), "400".into()),
                ("LINE_RETRY_BACKOFF_MS".into(), "10,20".into()),
            ],
            own_moto: false,
            moto_at: None,
            simulator_at: None,
            prefix: None,
            watchdog: false,
            firing_delay: None,
            duplicate_per_mille: 0,
            seed: 1,
            scan_logs: true,
        }
    }
}

pub struct LocalStack {
    pub clock: VirtualClock,
    pub sim: Simulator,
    pub resources: Resources,
    pub aws: aws_config::SdkConfig,
    pub functions: Functions,
    pub env: Vec<(String, String)>,
    pub invocations: Vec<Invocation>,
    /// Every AWS call the functions made.
    pub aws_calls: AwsCalls,
    /// What the functions' AWS calls pass through: faults injected on demand.
    pub faults: FaultProxy,
    clients: AwsClients,
    fired: HashSet<(String, i64)>,
    /// The check and deadline functions' asynchronous-invoke handling, from the template.
    check_invoke: AsyncInvokeSpec,
    deadline_invoke: AsyncInvokeSpec,
    /// Lambda's retries of failed asynchronous invocations, waiting for their time.
    retries: Vec<PendingRetry>,
    /// Asynchronous invocations Lambda dropped (failed, with no failure destination).
    pub dropped: Vec<Invocation>,
    firing_delay: Option<fn(&str) -> jiff::SignedDuration>,
    /// The schedules as last read, by name: refreshed from what the functions touched
    /// (the fault proxy sees every Scheduler call they make), so a step reads only the
    /// schedules that changed, not all of them.
    schedule_cache: std::sync::Mutex<Option<std::collections::BTreeMap<String, StoredSchedule>>>,
    duplicates: (u32, crate::Dice),
    /// Firings delivered twice.
    pub duplicated: usize,
    /// Webhooks the function answered after LINE's 2 seconds: LINE counted each as a
    /// failed delivery (`request_timeout`) and redelivers it.
    pub late_webhooks: usize,
    /// Those redeliveries, waiting for their time.
    redeliveries: Vec<Redelivery>,
    /// The escalation queue's visibility timeout (seconds), from the template.
    escalation_visibility: i64,
    /// Escalation records that failed, invisible until their time (virtual): SQS hands a
    /// received message out again only when its visibility timeout has passed.
    hidden: Vec<(Timestamp, String)>,
    /// Where this stack's log lines start, when they are scanned.
    log_mark: Option<usize>,
    /// The secrets, which no log line may carry either.
    secrets: Vec<String>,
    _moto: Option<Moto>,
}

/// How long LINE waits for a webhook's answer before it counts the delivery as failed.
pub const LINE_WEBHOOK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// How many times LINE delivers an event that is never answered in time, the first
/// included.
const LINE_DELIVERIES: u32 = 4;

/// A webhook body LINE sends again because the last delivery was not answered in time.
#[derive(Clone, Debug)]
struct Redelivery {
    due: Timestamp,
    path: String,
    events: Vec<Value>,
    /// Deliveries so far.
    sent: u32,
}

/// Runs one invocation; if the fault proxy crashes it, the invocation is dropped where
/// it stood (between two of its effects), as a Lambda process that dies, and reads `None`.
async fn until_crash<T>(crashed: &tokio::sync::Notify, invocation: impl std::future::Future<Output = T>) -> Option<T> {
    let notified = crashed.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    tokio::select! {
        biased;
        _ = &mut notified => None,
        out = invocation => Some(out),
    }
}

/// What Lambda reports for a function whose process died.
const CRASHED: &str = "RequestId: local Error: Runtime exited without providing a reason (crashed)";

static STACKS: AtomicU64 = AtomicU64::new(0);

fn unique_prefix() -> String {
    let n = STACKS.fetch_add(1, Ordering::Relaxed);
    let nanos = Timestamp::now().as_nanosecond() % 1_000_000_000;
    format!("mm{}x{n}x{nanos}", std::process::id())
}

pub async fn aws_config_for(endpoint: &str) -> aws_config::SdkConfig {
    let credentials = aws_sdk_dynamodb::config::Credentials::new("testing", "testing", None, None, "local-stack");
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(crate::resources::REGION))
        .credentials_provider(credentials)
        .load()
        .await
}

impl LocalStack {
    pub async fn start(options: Options) -> Result<Self> {
        let (moto, endpoint) = if let Some((host, port)) = &options.moto_at {
            let m = Moto::start_on(host, *port)?;
            let e = m.endpoint.clone();
            (Some(m), e)
        } else if options.own_moto {
            let m = Moto::start()?;
            let e = m.endpoint.clone();
            (Some(m), e)
        } else {
            (None, Moto::shared()?.to_owned())
        };
        let aws = aws_config_for(&endpoint).await;
        let template_path = std::env::var_os("MIMAMORI_TEMPLATE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("template.yaml"));
        let spec = template::load(&template_path)?;
        let log_mark = options.scan_logs.then(crate::logscan::start).flatten();
        let secrets = LocalSecrets::default();
        let prefix = options.prefix.clone().unwrap_or_else(unique_prefix);
        let resources = Resources::create(&aws, &spec, &prefix, &secrets, options.watchdog).await?;

        let clock = VirtualClock::new(options.start);
        let sim_clock = clock.clone();
        let sim_config = SimConfig {
            channel_secret: secrets.channel_secret.clone(),
            access_token: secrets.access_token.clone(),
            clock: Arc::new(move || mimamori::clock::Clock::now(&sim_clock)),
            ..SimConfig::default()
        };
        let sim = match options.simulator_at {
            Some(addr) => Simulator::start_on(sim_config, addr).await,
            None => Simulator::start(sim_config).await,
        }
        .map_err(|e| LocalError(format!("starting the LINE simulator: {e}")))?;

        let mut env = resources.env(&options.operator, &endpoint, &sim.base_url());
        env.extend(options.env.iter().cloned());
        let aws_calls = AwsCalls::default();
        // The functions reach moto through the fault proxy, with the SDK's own retries
        // (backing off milliseconds, not seconds, in virtual time).
        let faults = FaultProxy::start(&endpoint).await?;
        let function_aws = aws_config_for(&faults.endpoint)
            .await
            .into_builder()
            .retry_config(
                aws_config::retry::RetryConfig::standard()
                    .with_initial_backoff(std::time::Duration::from_millis(5))
                    .with_max_backoff(std::time::Duration::from_millis(50)),
            )
            .build();
        let clients = AwsClients::with_interceptor(
            &function_aws,
            aws_sdk_dynamodb::config::SharedInterceptor::new(aws_calls.clone()),
        );
        let functions = Self::build_functions(&env, &clock, &clients).await?;
        Ok(Self {
            clock,
            sim,
            resources,
            aws,
            functions,
            env,
            invocations: Vec::new(),
            aws_calls,
            faults,
            clients,
            fired: HashSet::new(),
            check_invoke: spec.async_invoke("CheckFunction"),
            deadline_invoke: spec.async_invoke("DeadlineFunction"),
            retries: Vec::new(),
            dropped: Vec::new(),
            firing_delay: options.firing_delay,
            schedule_cache: std::sync::Mutex::new(None),
            duplicates: (options.duplicate_per_mille, crate::Dice::new(options.seed)),
            late_webhooks: 0,
            redeliveries: Vec::new(),
            escalation_visibility: spec
                .queues
                .iter()
                .find(|q| q.logical_id == "EscalationQueue")
                .and_then(|q| q.visibility_timeout)
                .unwrap_or(30),
            hidden: Vec::new(),
            duplicated: 0,
            log_mark,
            secrets: vec![
                secrets.channel_secret.clone(),
                secrets.access_token.clone(),
                secrets.staff_room_code.clone(),
                secrets.log_key.clone(),
            ],
            _moto: moto,
        })
    }

    /// The personal data in the log lines written since the stack started (or since
    /// the last call): empty when the service kept to pseudonyms and outcomes. Lines are
    /// captured once per process, so those of other stacks running at the same time are
    /// scanned too, for this stack's people.
    pub fn personal_data_in_logs(&mut self) -> Vec<crate::logscan::Finding> {
        let Some(mark) = self.log_mark else {
            return Vec::new();
        };
        let (lines, next) = crate::logscan::since(mark);
        self.log_mark = Some(next);
        self.personal_data_in(&lines)
    }

    /// The personal data of this stack's people (and its secrets) in `lines`.
    pub fn personal_data_in(&self, lines: &[String]) -> Vec<crate::logscan::Finding> {
        let terms = crate::logscan::terms(&self.sim.personal_data(), &self.secrets);
        crate::logscan::scan(lines, &terms)
    }

    /// Builds a function afresh, as a cold start does (reading its SSM secrets), through
    /// the fault proxy.
    pub async fn cold_start(&self, needs: Needs) -> std::result::Result<App, mimamori::app::wiring::WiringError> {
        let env = Env::from_pairs(self.env.iter().cloned());
        build_with(&env, needs, Arc::new(self.clock.clone()), &self.clients).await
    }

    async fn build_functions(env: &[(String, String)], clock: &VirtualClock, aws: &AwsClients) -> Result<Functions> {
        let env = Env::from_pairs(env.iter().cloned());
        let clock: Arc<dyn mimamori::clock::Clock> = Arc::new(clock.clone());
        let build = |needs| build_with(&env, needs, clock.clone(), aws);
        let err = |e: mimamori::app::wiring::WiringError| LocalError(format!("building a function: {e}"));
        // Each function as its own main wires it.
        Ok(Functions {
            webhook: build(webhook_function::NEEDS).await.map_err(err)?,
            check: build(check_function::NEEDS).await.map_err(err)?,
            deadline: build(deadline_function::NEEDS).await.map_err(err)?,
            escalation: build(escalation_function::NEEDS).await.map_err(err)?,
        })
    }

    /// Rebuilds the functions with changed environment (a redeploy with new parameters).
    pub async fn redeploy(&mut self, changes: &[(&str, &str)]) -> Result<()> {
        for (k, v) in changes {
            self.env.retain(|(name, _)| name != k);
            self.env.push(((*k).to_owned(), (*v).to_owned()));
        }
        self.functions = Self::build_functions(&self.env, &self.clock, &self.clients).await?;
        Ok(())
    }

    pub fn now(&self) -> Timestamp {
        mimamori::clock::Clock::now(&self.clock)
    }

    /// Sends LINE events to the webhook function as LINE would, signed; returns the status.
    pub async fn webhook(&mut self, events: &[Value]) -> u16 {
        self.webhook_at("/", events).await
    }

    /// The same, at the webhook URL's `path` (`/{operator}` is that operator's webhook).
    /// An answer after LINE's 2 seconds counts as failed whatever its status: it is
    /// recorded so, and LINE delivers the events again a minute later (then 2 and 4),
    /// marked as redeliveries, with their reply tokens renewed as LINE renews them.
    pub async fn webhook_at(&mut self, path: &str, events: &[Value]) -> u16 {
        self.deliver_webhook(path, events, 1).await
    }

    async fn deliver_webhook(&mut self, path: &str, events: &[Value], sent: u32) -> u16 {
        let signed = self.sim.signed(events);
        let started = std::time::Instant::now();
        let (status, body) = self.webhook_raw_at(path, &signed.body, Some(&signed.signature)).await;
        let took = started.elapsed();
        let payload = serde_json::from_str(&signed.body).unwrap_or_default();
        let result = if took > LINE_WEBHOOK_TIMEOUT {
            self.late_webhooks += 1;
            if sent < LINE_DELIVERIES {
                self.redeliveries.push(Redelivery {
                    due: self.now() + jiff::SignedDuration::from_mins(1 << (sent - 1)),
                    path: path.to_owned(),
                    events: events.to_vec(),
                    sent,
                });
            }
            Err(format!(
                "request_timeout: answered {status} after {} ms, past LINE's 2 s",
                took.as_millis()
            ))
        } else if status == 200 {
            Ok(Value::String(body))
        } else {
            Err(format!("{status} {body}"))
        };
        self.invocations.push(Invocation {
            at: self.now(),
            function: "webhook",
            payload,
            result,
            took,
        });
        status
    }

    /// Sends a raw body (with or without a signature) as a Function URL request.
    pub async fn webhook_raw(&self, body: &str, signature: Option<&str>) -> (u16, String) {
        self.webhook_raw_at("/", body, signature).await
    }

    pub async fn webhook_raw_at(&self, path: &str, body: &str, signature: Option<&str>) -> (u16, String) {
        let mut request = lambda_http::http::Request::builder()
            .method("POST")
            .uri(format!("https://example.lambda-url.ap-northeast-1.on.aws{path}"))
            .header("content-type", "application/json");
        if let Some(sig) = signature {
            request = request.header("x-line-signature", sig);
        }
        let request = match request.body(lambda_http::Body::Text(body.to_owned())) {
            Ok(r) => r,
            Err(e) => return (0, e.to_string()),
        };
        self.webhook_request(request).await
    }

    /// Makes every function serve `operator` too, with the first operator's secrets and
    /// LINE channel (the simulator has one), as a deployment for several operators will.
    /// A `redeploy` forgets it.
    pub fn serve_also(&mut self, operator: mimamori::operator::Operator) {
        let operator = Arc::new(operator);
        for app in [
            &mut self.functions.webhook,
            &mut self.functions.check,
            &mut self.functions.deadline,
            &mut self.functions.escalation,
        ] {
            let mut served = app.operators.to_vec();
            served.push(mimamori::app::Served {
                operator: operator.clone(),
                secrets: app.secrets.clone(),
                line: app.line.clone(),
            });
            app.operators = served.into();
        }
    }

    pub async fn webhook_request(&self, request: lambda_http::Request) -> (u16, String) {
        let handled = until_crash(
            &self.faults.crashed,
            webhook_function::handler(&self.functions.webhook, request),
        )
        .await;
        let Some(handled) = handled else {
            // A Function URL answers 502 when the function dies.
            return (502, CRASHED.to_owned());
        };
        match handled {
            Ok(resp) => {
                let body = match resp.body() {
                    lambda_http::Body::Text(t) => t.clone(),
                    lambda_http::Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
                    _ => String::new(),
                };
                (resp.status().as_u16(), body)
            }
            Err(e) => (500, e.to_string()),
        }
    }

    pub fn signed(&self, events: &[Value]) -> SignedWebhook {
        self.sim.signed(events)
    }

    /// Every enabled schedule, as Scheduler holds them.
    pub async fn schedules(&self) -> Result<Vec<StoredSchedule>> {
        let client = aws_sdk_scheduler::Client::new(&self.aws);
        let group = &self.resources.schedule_group;
        let cached = self.schedule_cache.lock().map(|c| c.is_some()).unwrap_or(false);
        let names = if cached {
            self.faults.take_touched_schedules()
        } else {
            self.faults.take_touched_schedules();
            schedule_names(&client, group).await?
        };
        let mut read = Vec::with_capacity(names.len());
        for name in names {
            let schedule = read_schedule(&client, group, &name).await?;
            read.push((name, schedule));
        }
        let mut cache = self
            .schedule_cache
            .lock()
            .map_err(|_| LocalError("schedule cache poisoned".into()))?;
        let cache = cache.get_or_insert_with(Default::default);
        for (name, schedule) in read {
            match schedule {
                Some(s) => cache.insert(name, s),
                None => cache.remove(&name),
            };
        }
        Ok(cache.values().cloned().collect())
    }

    /// Forgets the driver's copy of the schedules, so the next step reads them all again
    /// (for a test that changes schedules behind the functions' backs).
    pub fn reread_schedules(&self) {
        if let Ok(mut cache) = self.schedule_cache.lock() {
            *cache = None;
        }
    }

    /// Invokes a schedule's target as Scheduler does: asynchronously. The invoke is
    /// accepted and the first attempt runs now (its result is returned); a function error
    /// is retried by Lambda per the function's `EventInvokeConfig` (1, then 2 minutes
    /// later, in virtual time) and then sent to its on-failure destination, or dropped.
    /// Only when the invoke itself fails (an unknown function) does Scheduler's own
    /// dead-letter queue get the event.
    pub async fn invoke_target(&mut self, target_arn: &str, payload: Value) -> std::result::Result<Value, String> {
        let function = if target_arn == self.resources.check_function_arn {
            "check"
        } else if target_arn == self.resources.deadline_function_arn {
            "deadline"
        } else {
            let error = format!("schedule targets unknown function {target_arn}");
            self.send_to_queue(
                "SchedulerDeadLetterQueue",
                serde_json::json!({ "payload": payload, "error": error }),
            )
            .await
            .map_err(|e| e.0)?;
            return Err(error);
        };
        let now = self.now();
        self.attempt(function, payload, 1, now).await
    }

    /// One attempt of an asynchronous invocation, and what Lambda does if it fails.
    async fn attempt(
        &mut self,
        function: &'static str,
        payload: Value,
        attempt: u32,
        accepted: Timestamp,
    ) -> std::result::Result<Value, String> {
        let event = LambdaEvent::new(payload.clone(), Context::default());
        let crashed = self.faults.crashed.clone();
        let started = std::time::Instant::now();
        let result = match function {
            "check" => until_crash(&crashed, check_function::handler(&self.functions.check, event)).await,
            _ => until_crash(&crashed, deadline_function::handler(&self.functions.deadline, event)).await,
        }
        .map(|r| r.map_err(|e| e.to_string()))
        .unwrap_or_else(|| Err(CRASHED.to_owned()));
        let now = self.now();
        let invocation = Invocation {
            at: now,
            function,
            payload: payload.clone(),
            result: result.clone(),
            took: started.elapsed(),
        };
        self.invocations.push(invocation.clone());
        let Err(error) = &result else { return result };
        let spec = match function {
            "check" => self.check_invoke.clone(),
            _ => self.deadline_invoke.clone(),
        };
        // Lambda waits 1 minute before the second attempt and 2 before the third.
        let due = now + jiff::SignedDuration::from_mins(i64::from(attempt));
        let too_old = due.duration_since(accepted).as_secs() > spec.max_event_age_secs;
        if attempt <= spec.retries && !too_old {
            self.retries.push(PendingRetry {
                due,
                function,
                payload,
                attempt: attempt + 1,
                accepted,
            });
            return result;
        }
        let condition = if too_old {
            "EventAgeExceeded"
        } else {
            "RetriesExhausted"
        };
        match &spec.on_failure {
            Some(queue) => {
                let record = self.failure_record(function, &payload, error, attempt, condition);
                self.send_to_queue(queue, record).await.map_err(|e| e.0)?;
            }
            None => self.dropped.push(invocation),
        }
        result
    }

    /// What Lambda sends an on-failure destination for an asynchronous invocation.
    fn failure_record(&self, function: &str, payload: &Value, error: &str, attempts: u32, condition: &str) -> Value {
        let arn = match function {
            "check" => &self.resources.check_function_arn,
            _ => &self.resources.deadline_function_arn,
        };
        serde_json::json!({
            "version": "1.0",
            "timestamp": self.now().to_string(),
            "requestContext": {
                "requestId": format!("local-{}", self.invocations.len()),
                "functionArn": format!("{arn}:$LATEST"),
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": payload,
            "responseContext": { "statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled" },
            "responsePayload": { "errorMessage": error },
        })
    }

    async fn send_to_queue(&self, logical_id: &str, body: Value) -> Result<()> {
        let url = self.resources.queue_url(logical_id)?.to_owned();
        aws_sdk_sqs::Client::new(&self.aws)
            .send_message()
            .queue_url(url)
            .message_body(body.to_string())
            .send()
            .await
            .map_err(|e| LocalError(format!("sqs: {}", aws_sdk_sqs::error::DisplayErrorContext(&e))))?;
        Ok(())
    }

    /// Fires everything due at the earliest time not after `limit` (schedules, and
    /// Lambda's retries of failed invocations), then lets the escalation queue drain.
    /// Returns that time, or `None` (with the clock moved to `limit`) when nothing is
    /// due by then.
    pub async fn step(&mut self, limit: Timestamp) -> Result<Option<Timestamp>> {
        self.drain_queue().await?;
        let now = self.now();
        let schedules = self.schedules().await?;
        let next_schedule = schedules
            .iter()
            .filter_map(|s| s.next_from(now, &self.fired).map(|(comes, _)| comes))
            .min();
        let next_retry = self.retries.iter().map(|r| r.due).min();
        let next_redelivery = self.redeliveries.iter().map(|r| r.due).min();
        let next_visible = self.hidden.iter().map(|(due, _)| *due).min();
        let next = next_schedule
            .into_iter()
            .chain(next_retry)
            .chain(next_redelivery)
            .chain(next_visible)
            .min();
        let Some(at) = next.filter(|t| *t <= limit) else {
            if limit > now {
                self.clock.set(limit);
            }
            return Ok(None);
        };
        self.clock.set(at.max(now));
        let scheduler = aws_sdk_scheduler::Client::new(&self.aws);
        let due: Vec<(StoredSchedule, Timestamp)> = schedules
            .into_iter()
            .filter_map(|s| match s.next_from(now, &self.fired) {
                Some((comes, scheduled)) if comes == at => Some((s, scheduled)),
                _ => None,
            })
            .collect();
        for (s, scheduled) in &due {
            self.fired.insert((s.name.clone(), scheduled.as_second()));
            if let Some(delay) = self.firing_delay {
                self.clock.set((at + delay(&s.name)).max(self.now()));
            }
            let payload = s.payload(*scheduled)?;
            let _ = self.invoke_target(&s.target_arn, payload.clone()).await;
            let (per_mille, dice) = &mut self.duplicates;
            if dice.roll(*per_mille) {
                self.duplicated += 1;
                let _ = self.invoke_target(&s.target_arn, payload).await;
            }
            if s.delete_after_completion {
                if let Ok(mut cache) = self.schedule_cache.lock()
                    && let Some(cache) = cache.as_mut()
                {
                    cache.remove(&s.name);
                }
                let _ = scheduler
                    .delete_schedule()
                    .group_name(&self.resources.schedule_group)
                    .name(&s.name)
                    .send()
                    .await;
            }
        }
        let (ready, waiting): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.retries).into_iter().partition(|r| r.due <= at);
        self.retries = waiting;
        for r in ready {
            let _ = self.attempt(r.function, r.payload, r.attempt, r.accepted).await;
        }
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.redeliveries)
            .into_iter()
            .partition(|r| r.due <= at);
        self.redeliveries = waiting;
        for r in ready {
            let events: Vec<Value> = r.events.iter().map(|e| self.sim.redeliver(e)).collect();
            // Boxed: the webhook's future is large, and a step's stays small.
            Box::pin(self.deliver_webhook(&r.path, &events, r.sent + 1)).await;
        }
        let (visible, still_hidden): (Vec<_>, Vec<_>) = std::mem::take(&mut self.hidden)
            .into_iter()
            .partition(|(due, _)| *due <= at);
        self.hidden = still_hidden;
        if !visible.is_empty() {
            let sqs = aws_sdk_sqs::Client::new(&self.aws);
            let url = self.resources.queue_url("EscalationQueue")?.to_owned();
            for (_, handle) in visible {
                let _ = sqs
                    .change_message_visibility()
                    .queue_url(&url)
                    .receipt_handle(handle)
                    .visibility_timeout(0)
                    .send()
                    .await;
            }
        }
        self.drain_queue().await?;
        Ok(Some(at))
    }

    /// Runs everything due up to `t` and leaves the clock there.
    pub async fn advance_to(&mut self, t: Timestamp) -> Result<()> {
        while self.step(t).await?.is_some() {}
        Ok(())
    }

    pub async fn advance(&mut self, by: jiff::SignedDuration) -> Result<()> {
        let t = self.now() + by;
        self.advance_to(t).await
    }

    /// Delivers the escalation queue to the escalation function as the event source
    /// mapping does: batches of up to 10; a failed record is handed out again once its
    /// visibility timeout (the one the function set, or the queue's) has passed in
    /// virtual time, and past the queue's maxReceiveCount moved to its dead-letter queue.
    pub async fn drain_queue(&mut self) -> Result<usize> {
        let sqs = aws_sdk_sqs::Client::new(&self.aws);
        let url = self.resources.queue_url("EscalationQueue")?.to_owned();
        let arn = self
            .resources
            .queue_arns
            .get("EscalationQueue")
            .cloned()
            .unwrap_or_default();
        let mut handled = 0;
        for _ in 0..100 {
            let out = sqs
                .receive_message()
                .queue_url(&url)
                .max_number_of_messages(10)
                .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
                .send()
                .await
                .map_err(|e| LocalError(format!("sqs: {}", aws_sdk_sqs::error::DisplayErrorContext(&e))))?;
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            let records: Vec<Value> = messages.iter().map(|m| sqs_record(m, &arn)).collect();
            let event: SqsEvent =
                serde_json::from_value(serde_json::json!({ "Records": records })).map_err(LocalError::new)?;
            let payload = serde_json::to_value(&event).unwrap_or_default();
            let started = std::time::Instant::now();
            let response = until_crash(
                &self.faults.crashed,
                escalation_function::handler(&self.functions.escalation, LambdaEvent::new(event, Context::default())),
            )
            .await
            .unwrap_or_else(|| Err(CRASHED.into()));
            let failed: HashSet<String> = match &response {
                Ok(SqsBatchResponse {
                    batch_item_failures, ..
                }) => batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect(),
                Err(_) => messages
                    .iter()
                    .filter_map(|m| m.message_id().map(str::to_owned))
                    .collect(),
            };
            self.invocations.push(Invocation {
                at: self.now(),
                function: "escalation",
                payload,
                result: response
                    .map(|r| serde_json::to_value(r).unwrap_or_default())
                    .map_err(|e| e.to_string()),
                took: started.elapsed(),
            });
            for m in &messages {
                let id = m.message_id().unwrap_or_default();
                let handle = m.receipt_handle().unwrap_or_default();
                if failed.contains(id) {
                    // Visible again when its visibility timeout has passed in virtual
                    // time: the one the function set, or else the queue's. Meanwhile
                    // moto keeps it invisible (for SQS's longest, in wall-clock time).
                    let seconds = self
                        .faults
                        .take_visibility_change(handle)
                        .unwrap_or(self.escalation_visibility);
                    let hide = if seconds > 0 { 43_200 } else { 0 };
                    let _ = sqs
                        .change_message_visibility()
                        .queue_url(&url)
                        .receipt_handle(handle)
                        .visibility_timeout(hide)
                        .send()
                        .await;
                    if seconds > 0 {
                        self.hidden
                            .push((self.now() + jiff::SignedDuration::from_secs(seconds), handle.to_owned()));
                    }
                } else {
                    let _ = sqs.delete_message().queue_url(&url).receipt_handle(handle).send().await;
                    handled += 1;
                }
            }
        }
        Ok(handled)
    }

    /// Takes every message waiting in a queue of the template (e.g. a failure
    /// destination), as JSON bodies.
    pub async fn receive_all(&self, logical_id: &str) -> Result<Vec<Value>> {
        let url = self.resources.queue_url(logical_id)?.to_owned();
        self.take_messages(&url).await
    }

    /// Takes the pages the staff received by e-mail or SMS (what SNS delivered to the
    /// staff pager's subscriber) since last asked: (subject, body).
    pub async fn staff_pages(&self) -> Result<Vec<(String, String)>> {
        let field = |m: &Value, name: &str| m[name].as_str().unwrap_or_default().to_owned();
        Ok(self
            .take_messages(&self.resources.staff_inbox_url.clone())
            .await?
            .iter()
            .map(|m| (field(m, "Subject"), field(m, "Message")))
            .collect())
    }

    async fn take_messages(&self, url: &str) -> Result<Vec<Value>> {
        let sqs = aws_sdk_sqs::Client::new(&self.aws);
        let mut out = Vec::new();
        loop {
            let page = sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .send()
                .await
                .map_err(|e| LocalError(format!("sqs: {}", aws_sdk_sqs::error::DisplayErrorContext(&e))))?;
            let messages = page.messages.unwrap_or_default();
            if messages.is_empty() {
                return Ok(out);
            }
            for m in messages {
                out.push(serde_json::from_str(m.body().unwrap_or("null")).map_err(LocalError::new)?);
                if let Some(handle) = m.receipt_handle() {
                    let _ = sqs.delete_message().queue_url(url).receipt_handle(handle).send().await;
                }
            }
        }
    }

    /// Messages waiting in a queue of the template (e.g. a dead-letter queue).
    pub async fn queue_depth(&self, logical_id: &str) -> Result<usize> {
        let sqs = aws_sdk_sqs::Client::new(&self.aws);
        let out = sqs
            .get_queue_attributes()
            .queue_url(self.resources.queue_url(logical_id)?)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .map_err(|e| LocalError(format!("sqs: {}", aws_sdk_sqs::error::DisplayErrorContext(&e))))?;
        Ok(out
            .attributes
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
                    .and_then(|v| v.parse().ok())
            })
            .unwrap_or(0))
    }
}

/// Every scenario is also a privacy test: the lines its functions logged carry nothing
/// personal ([`LocalStack::personal_data_in_logs`]).
impl Drop for LocalStack {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let found = self.personal_data_in_logs();
        if !found.is_empty() {
            let shown: Vec<String> = found.iter().take(10).map(ToString::to_string).collect();
            panic!(
                "{} log line finding(s) of personal data, e.g.:\n{}",
                found.len(),
                shown.join("\n")
            );
        }
    }
}
