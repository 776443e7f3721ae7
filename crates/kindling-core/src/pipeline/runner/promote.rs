//! The gate, register and promote steps. The gate judges the chosen run against the file's
//! gates and the model's champion; a failure stops the run with the report. Registering and
//! promoting are idempotent: a run already registered keeps its version, an alias already on
//! it stays, so a re-run of an unchanged pipeline changes nothing in the registry.

use super::{Done, Halt, PipelineHost, Steps, json};
use crate::ids::short_id;
use crate::pipeline::cache;
use crate::pipeline::record::{Artefact, PipelineRun, Step};
use crate::registry::gates::{Gate, GateReport};
use crate::tracking::RunRecord;

impl<H: PipelineHost + ?Sized> Steps<'_, H> {
    pub(super) async fn gate(
        &self,
        record: &mut PipelineRun,
        run: &RunRecord,
    ) -> Result<GateReport, Halt> {
        let started = self.begin(record, Step::Gate);
        let model = self
            .pipeline
            .promote
            .as_ref()
            .map(|promote| promote.model.as_str());
        let champion = match model {
            Some(model) => match self.host.champion(model).await {
                Ok(champion) => champion,
                Err(reason) => {
                    return Err(self.fail(record, Step::Gate, started, Vec::new(), reason, None));
                }
            },
            None => None,
        };
        let already_champion = champion
            .as_ref()
            .is_some_and(|(_, run_id)| *run_id == run.id);
        // A run that is the champion is judged as if there were none: it is not compared with
        // itself. So the run that made it champion and a re-run share a key.
        let champion_part = match &champion {
            Some((version, _)) if !already_champion => format!("champion v{version}"),
            _ => "no champion to beat".to_owned(),
        };
        let key = cache::key(
            "gate",
            &[
                &run.id,
                &json(&self.pipeline.gates),
                model.unwrap_or(""),
                &champion_part,
            ],
        );
        if let Some((earlier, Artefact::Gate(report))) =
            cache::cached(self.previous, Step::Gate, &key)
        {
            let report = report.clone();
            self.end(
                record,
                Step::Gate,
                started,
                Done::reused(earlier, key, &Artefact::Gate(report.clone())),
            );
            return Ok(report);
        }
        // Judging the champion against itself would fail any margin: only its other gates apply.
        let gates: Vec<Gate> = self
            .pipeline
            .gates
            .iter()
            .filter(|gate| !(already_champion && matches!(gate, Gate::BeatsChampion { .. })))
            .cloned()
            .collect();
        let report = match self.host.gate(run, model, &gates).await {
            Ok(report) => report,
            Err(reason) => {
                return Err(self.fail(record, Step::Gate, started, Vec::new(), reason, None));
            }
        };
        let mut log: Vec<String> = Vec::new();
        if already_champion {
            log.push(
                "the chosen run is already the champion: it is not compared with itself".to_owned(),
            );
        }
        log.extend(report.checks.iter().map(|check| {
            format!(
                "{} {}: {}",
                if check.passed { "passed" } else { "failed" },
                check.name,
                check.detail
            )
        }));
        if report.checks.is_empty() {
            log.push("the pipeline sets no gates".to_owned());
        }
        if !report.passed() {
            let failures: Vec<String> = report
                .failures()
                .map(|check| format!("{} ({})", check.name, check.detail))
                .collect();
            let reason = format!("the gate failed: {}", failures.join("; "));
            return Err(self.fail(
                record,
                Step::Gate,
                started,
                log,
                reason,
                Some(Artefact::Gate(report)),
            ));
        }
        self.end(
            record,
            Step::Gate,
            started,
            Done::passed(log, Some(key), Artefact::Gate(report.clone())),
        );
        Ok(report)
    }

    pub(super) async fn register(
        &self,
        record: &mut PipelineRun,
        run: &RunRecord,
        model: &str,
        report: &GateReport,
    ) -> Result<u32, Halt> {
        let started = self.begin(record, Step::Register);
        let key = cache::key("register", &[model, &run.id]);
        match self.host.version_of_run(model, &run.id).await {
            Ok(Some(version)) => {
                let done = Done::already(
                    format!("run {} is already {model} v{version}", short_id(&run.id)),
                    key,
                    Artefact::Version {
                        model: model.to_owned(),
                        version,
                    },
                );
                self.end(record, Step::Register, started, done);
                return Ok(version);
            }
            Ok(None) => {}
            Err(reason) => {
                return Err(self.fail(record, Step::Register, started, Vec::new(), reason, None));
            }
        }
        match self
            .host
            .register(run, model, &self.pipeline.gates, report)
            .await
        {
            Ok(version) => {
                let log = vec![format!(
                    "registered run {} as {model} v{}",
                    short_id(&run.id),
                    version.version
                )];
                let artefact = Artefact::Version {
                    model: model.to_owned(),
                    version: version.version,
                };
                self.end(
                    record,
                    Step::Register,
                    started,
                    Done::passed(log, Some(key), artefact),
                );
                Ok(version.version)
            }
            Err(reason) => {
                Err(self.fail(record, Step::Register, started, Vec::new(), reason, None))
            }
        }
    }

    pub(super) async fn promote(
        &self,
        record: &mut PipelineRun,
        model: &str,
        alias: &str,
        version: u32,
    ) -> Result<(), Halt> {
        let started = self.begin(record, Step::Promote);
        let key = cache::key("promote", &[model, alias, &version.to_string()]);
        let artefact = Artefact::Alias {
            model: model.to_owned(),
            alias: alias.to_owned(),
            version,
        };
        match self.host.alias(model, alias).await {
            Ok(Some(current)) if current == version => {
                let done = Done::already(
                    format!("@{alias} is already on {model} v{version}"),
                    key,
                    artefact,
                );
                self.end(record, Step::Promote, started, done);
                return Ok(());
            }
            Ok(_) => {}
            Err(reason) => {
                return Err(self.fail(record, Step::Promote, started, Vec::new(), reason, None));
            }
        }
        let reason = format!(
            "pipeline {} run {}",
            self.pipeline.name,
            short_id(&record.id)
        );
        match self.host.promote(model, alias, version, reason).await {
            Ok(()) => {
                let log = vec![format!("@{alias} now points at {model} v{version}")];
                self.end(
                    record,
                    Step::Promote,
                    started,
                    Done::passed(log, Some(key), artefact),
                );
                Ok(())
            }
            Err(reason) => Err(self.fail(record, Step::Promote, started, Vec::new(), reason, None)),
        }
    }
}
