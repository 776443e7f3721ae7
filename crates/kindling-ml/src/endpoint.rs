//! The simulated production endpoint a deployment runs in its worker: the traffic generator
//! sends requests at the chosen rate, the deployed model answers each (and the challenger,
//! in shadow or for its canary share), each answer is timed, and the monitor keeps the window,
//! judges the alert rules and makes the snapshot the page draws. The worker only calls
//! [`Endpoint::tick`] on a timer and posts what it returns; everything here is tested natively
//! with a clock the test controls.

use kindling_core::data::{Dataset, Target};
use kindling_core::monitor::{AlertRule, DriftReference, MonitorState, Served, Traffic};
use kindling_core::protocol::ModelSource;
use kindling_core::protocol::endpoint::{
    ChallengerMode, EndpointEvent, EndpointSetup, TrafficSettings,
};
use kindling_core::rng::Mulberry32;
use kindling_core::signature::Prediction;

use crate::TrainedModel;
use crate::model_service::load;

/// How often the page gets a snapshot.
pub const SNAPSHOT_EVERY_MS: f64 = 500.0;
/// How often the page gets the whole monitor to keep.
pub const STATE_EVERY_MS: f64 = 5_000.0;
/// A worker that was held up (a background tab) does not make up more than this much traffic.
const MAX_CATCH_UP_MS: f64 = 1_000.0;

/// A running deployment.
pub struct Endpoint {
    champion: TrainedModel,
    challenger: Option<(TrainedModel, ChallengerMode)>,
    reference: DriftReference,
    traffic: Traffic,
    monitor: MonitorState,
    settings: TrafficSettings,
    canary_draws: Mulberry32,
    /// Requests due but not yet sent (a fraction carried between ticks).
    owed: f64,
    last_tick_ms: Option<f64>,
    last_snapshot_ms: f64,
    last_state_ms: f64,
}

impl Endpoint {
    /// Loads the models and checks that the data fits them; an error is written for a person.
    pub fn start(setup: EndpointSetup) -> Result<Self, String> {
        let champion = load(ModelSource::Package(setup.champion.package))
            .map_err(|error| format!("{} cannot be served: {error}", setup.champion.label))?;
        let challenger = match setup.challenger {
            Some((model, mode)) => Some((
                load(ModelSource::Package(model.package))
                    .map_err(|error| format!("{} cannot be served: {error}", model.label))?,
                mode,
            )),
            None => None,
        };
        for (what, data) in [("training", &setup.reference), ("replayed", &setup.replay)] {
            if data.row_count() == 0 {
                return Err(format!("the {what} data has no rows"));
            }
            let wanted = &champion.signature().feature_names;
            if let Some(missing) = wanted
                .iter()
                .find(|name| !data.feature_names.contains(name))
            {
                return Err(format!(
                    "the {what} data has no column \"{missing}\", which the model reads"
                ));
            }
        }
        let replay = in_model_order(&setup.replay, &champion.signature().feature_names);
        let traffic = Traffic::new(replay, setup.seed);
        let mut monitor = setup.monitor;
        monitor.shape.feature_kinds = traffic.kinds().to_vec();
        Ok(Self {
            reference: DriftReference::new(&setup.reference),
            champion,
            challenger,
            traffic,
            monitor,
            settings: setup.settings,
            canary_draws: Mulberry32::new(setup.seed ^ 0x5eed),
            owed: 0.0,
            last_tick_ms: None,
            last_snapshot_ms: f64::NEG_INFINITY,
            last_state_ms: f64::NEG_INFINITY,
        })
    }

    pub fn settings(&mut self, settings: TrafficSettings) {
        self.settings = settings;
    }

    /// New rules: every rule is judged afresh, so one still breached fires again.
    pub fn rules(&mut self, rules: Vec<AlertRule>) {
        self.monitor.rules = rules;
        self.monitor.alert_state.reset();
    }

    pub fn monitor(&self) -> &MonitorState {
        &self.monitor
    }

    /// Sends the requests due by `now_ms` (wall time, ms) and returns what the page should
    /// hear. `clock` times each answer.
    pub fn tick(&mut self, now_ms: f64, clock: &dyn Fn() -> f64) -> Vec<EndpointEvent> {
        let since_ms = self
            .last_tick_ms
            .map_or(0.0, |last| (now_ms - last).clamp(0.0, MAX_CATCH_UP_MS));
        self.last_tick_ms = Some(now_ms);
        if self.settings.running {
            self.owed += self.settings.rate_per_s.max(0.0) * since_ms / 1000.0;
            let due = self.owed.floor() as usize;
            self.owed -= due as f64;
            for index in 0..due {
                // Spread over the interval, as requests would have arrived.
                let at_ms = now_ms - since_ms + since_ms * (index + 1) as f64 / due as f64;
                self.serve_one(at_ms, clock);
            }
        } else {
            self.owed = 0.0;
        }
        let mut events = Vec::new();
        let mut alerted = false;
        if now_ms - self.last_snapshot_ms >= SNAPSHOT_EVERY_MS {
            self.last_snapshot_ms = now_ms;
            let snapshot = self.monitor.snapshot(&self.reference, now_ms);
            alerted = !snapshot.fired.is_empty();
            events.push(EndpointEvent::Snapshot(Box::new(snapshot)));
        }
        // An alert may retrain on the window, so the page gets it at once, ahead of the alert.
        if alerted || now_ms - self.last_state_ms >= STATE_EVERY_MS {
            self.last_state_ms = now_ms;
            events.insert(0, EndpointEvent::State(Box::new(self.monitor.clone())));
        }
        events
    }

    fn serve_one(&mut self, at_ms: f64, clock: &dyn Fn() -> f64) {
        let row = self.traffic.next_row(&self.settings.drift);
        let started_ms = clock();
        let codes = self.codes(&row.values);
        let mut prediction = answer(&self.champion, &codes);
        let mut challenger = None;
        if let Some((model, mode)) = &self.challenger {
            let scored = match mode {
                ChallengerMode::Shadow => true,
                ChallengerMode::Canary { share } => self.canary_draws.next_f64() < *share,
            };
            if scored {
                let theirs = answer(model, &codes);
                challenger = Some(theirs);
                if matches!(mode, ChallengerMode::Canary { .. }) {
                    prediction = theirs;
                }
            }
        }
        let latency_ms = (clock() - started_ms).max(0.0);
        let number = self.monitor.answered + 1;
        self.monitor.push(Served {
            number,
            at_ms,
            values: row.values,
            prediction,
            challenger,
            latency_ms,
            truth: row.label,
            label_at_ms: at_ms + self.settings.label_lag_ms.max(0.0),
        });
    }

    /// One request's raw values as the model's codes: its categories found by name.
    fn codes(&self, values: &[f32]) -> Vec<f32> {
        let source = self.traffic.source();
        let row = Dataset {
            name: String::new(),
            feature_names: source.feature_names.clone(),
            features: values.to_vec(),
            target: Target::Values {
                name: String::new(),
                values: vec![0.0],
            },
            image_shape: None,
            feature_kinds: self.traffic.kinds().to_vec(),
        };
        self.champion.signature().preprocessing.codes(&row)
    }
}

fn answer(model: &TrainedModel, codes: &[f32]) -> f32 {
    match model.predict(codes).first() {
        Some(Prediction::Class { label, .. }) => *label as f32,
        Some(Prediction::Value(value)) => *value,
        None => f32::NAN,
    }
}

/// `data` with its columns in the order the model reads them (other columns left out).
fn in_model_order(data: &Dataset, names: &[String]) -> Dataset {
    let positions: Vec<usize> = names
        .iter()
        .map(|name| {
            data.feature_names
                .iter()
                .position(|have| have == name)
                .expect("checked before")
        })
        .collect();
    if positions.iter().copied().eq(0..data.feature_count()) {
        return data.clone();
    }
    let features = (0..data.row_count())
        .flat_map(|row| positions.iter().map(move |&column| data.row(row)[column]))
        .collect();
    Dataset {
        name: data.name.clone(),
        feature_names: names.to_vec(),
        features,
        target: data.target.clone(),
        image_shape: data.image_shape,
        feature_kinds: if data.feature_kinds.is_empty() {
            Vec::new()
        } else {
            positions
                .iter()
                .map(|&column| data.kind(column).clone())
                .collect()
        },
    }
}
