//! A deployment's simulated endpoint in this worker: `kindling_ml::endpoint::Endpoint` ticked
//! on a timer, its events posted to the page. Starting again replaces the running endpoint;
//! each loop carries the generation it was started with and ends when a newer one (or Stop)
//! takes over.

use std::cell::{Cell, RefCell};

use kindling_core::protocol::FromWorker;
use kindling_core::protocol::endpoint::{EndpointCommand, EndpointEvent};
use kindling_ml::endpoint::Endpoint;

use crate::scope::{now_ms, post, sleep_ms};

/// How often the endpoint sends the requests that have come due.
const ENDPOINT_TICK_MS: i32 = 50;

thread_local! {
    static ENDPOINT: RefCell<Option<Endpoint>> = const { RefCell::new(None) };
    static GENERATION: Cell<u32> = const { Cell::new(0) };
}

/// Wall-clock time: requests and their labels keep their times across a reload of the page.
fn wall_ms() -> f64 {
    js_sys::Date::now()
}

pub fn handle(command: EndpointCommand) {
    match command {
        EndpointCommand::Start(setup) => {
            let deployment_id = setup.deployment_id.clone();
            match Endpoint::start(*setup) {
                Ok(endpoint) => {
                    ENDPOINT.set(Some(endpoint));
                    let generation = GENERATION.get() + 1;
                    GENERATION.set(generation);
                    post(&FromWorker::Endpoint(EndpointEvent::Started {
                        deployment_id,
                    }));
                    wasm_bindgen_futures::spawn_local(run(generation));
                }
                Err(reason) => post(&FromWorker::Endpoint(EndpointEvent::Failed { reason })),
            }
        }
        EndpointCommand::Settings(settings) => ENDPOINT.with_borrow_mut(|endpoint| {
            if let Some(endpoint) = endpoint {
                endpoint.settings(settings);
            }
        }),
        EndpointCommand::Rules(rules) => ENDPOINT.with_borrow_mut(|endpoint| {
            if let Some(endpoint) = endpoint {
                endpoint.rules(rules);
            }
        }),
        EndpointCommand::Stop => {
            GENERATION.set(GENERATION.get() + 1);
            if let Some(endpoint) = ENDPOINT.take() {
                post(&FromWorker::Endpoint(EndpointEvent::State(Box::new(
                    endpoint.monitor().clone(),
                ))));
            }
        }
    }
}

async fn run(generation: u32) {
    while GENERATION.get() == generation {
        let events = ENDPOINT.with_borrow_mut(|endpoint| {
            endpoint
                .as_mut()
                .map(|endpoint| endpoint.tick(wall_ms(), &now_ms))
        });
        let Some(events) = events else { return };
        for event in events {
            post(&FromWorker::Endpoint(event));
        }
        sleep_ms(ENDPOINT_TICK_MS).await;
    }
}
