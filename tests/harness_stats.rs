//! The harness's own measurements, which the benchmark reads: each request's service time at the local
//! endpoint without the latency injected in front of it, and the time the endpoint was busy.

mod common;

use common::{harness_python_tests, Moto};

#[test]
fn the_harness_reports_its_service_time_without_the_injected_latency() {
    let moto = Moto::start();
    harness_python_tests(&moto, "tests/harness/test_service_time.py");
}
