//! How many calls one AWS service gets at once: additive increase, multiplicative decrease (AIMD),
//! as TCP's congestion window and the AWS SDKs' adaptive retry mode do. Pure logic over the times it
//! is given; [`super::limiter`] wires it to the SDK's clients.
//!
//! One number, `limit`, between 1 and `--parallelism`, bounds the attempts in flight. A service whose
//! documented quota is a low rate (CloudWatch, Logs, Lambda's and API Gateway's control planes) is
//! also *paced*: at most `limit` attempts start in any one second, since AWS throttles on requests a
//! second, which no concurrency bound can keep under when calls take milliseconds. A service that
//! throttles becomes paced from then on.
//!
//! - After a run of successes the limit grows by one; a run is `limit` successes (about a second's
//!   worth) while the limit is below the highest limit that throttled, and longer when it would
//!   reach it again: 4 × `limit` successes, doubled after every throttle (up to 64 ×), so a service
//!   that throttled at a known rate is probed ever more rarely instead of once every few seconds.
//! - A throttling answer halves the limit, once per episode: the answers of attempts admitted before
//!   the last decrease say nothing about the new limit ([`Admission::generation`]).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The window a paced limit counts its starts in.
const WINDOW: Duration = Duration::from_secs(1);

/// One service's AIMD state.
#[derive(Debug, Clone)]
pub struct Aimd {
    limit: f64,
    max: f64,
    paced: bool,
    in_flight: usize,
    /// When the attempts of the last [`WINDOW`] started (paced only).
    starts: VecDeque<Instant>,
    /// Successes since the limit last changed.
    run: u64,
    /// Bumped at each decrease.
    generation: u64,
    /// The lowest limit that has throttled so far, if any has.
    ceiling: Option<f64>,
    throttles: u32,
    /// Answers recorded, throttles included.
    answers: u64,
}

/// An attempt let through: which generation of the limit admitted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub generation: u64,
}

/// How an attempt ended, as far as the limit cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The service answered without throttling (an error answer included: it was served).
    Served,
    /// The service refused the attempt for its rate.
    Throttled,
    /// No answer, or a server fault: says nothing about the rate.
    Unknown,
}

impl Aimd {
    /// Start at `start` (clamped to 1..=`max`), paced or not.
    pub fn new(start: usize, max: usize, paced: bool) -> Self {
        let max = max.max(1) as f64;
        Aimd {
            limit: (start as f64).clamp(1.0, max),
            max,
            paced,
            in_flight: 0,
            starts: VecDeque::new(),
            run: 0,
            generation: 0,
            ceiling: None,
            throttles: 0,
            answers: 0,
        }
    }

    /// The whole attempts the limit allows.
    pub fn limit(&self) -> usize {
        self.limit.floor() as usize
    }

    pub fn is_paced(&self) -> bool {
        self.paced
    }

    /// (answers, throttling answers that halved the limit) so far.
    pub fn counts(&self) -> (u64, u32) {
        (self.answers, self.throttles)
    }

    /// Admit an attempt at `now`, or say how long to wait: `Err(Some(d))` when a paced window frees
    /// a start after `d`, `Err(None)` when only a finishing attempt can make room.
    pub fn try_admit(&mut self, now: Instant) -> Result<Admission, Option<Duration>> {
        while self
            .starts
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.starts.pop_front();
        }
        if self.in_flight >= self.limit() {
            return Err(None);
        }
        if self.paced && self.starts.len() >= self.limit() {
            let oldest = self.starts.front().copied().unwrap_or(now);
            return Err(Some(WINDOW.saturating_sub(now.duration_since(oldest))));
        }
        self.in_flight += 1;
        if self.paced {
            self.starts.push_back(now);
        }
        Ok(Admission {
            generation: self.generation,
        })
    }

    /// An admitted attempt is no longer in flight (its answer came, or it failed).
    pub fn release(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Learn from how an attempt admitted as `admission` ended.
    pub fn record(&mut self, admission: Admission, outcome: Outcome) {
        if outcome != Outcome::Unknown {
            self.answers += 1;
        }
        match outcome {
            Outcome::Served => self.served(),
            Outcome::Throttled if admission.generation == self.generation => self.throttled(),
            Outcome::Throttled | Outcome::Unknown => {}
        }
    }

    fn served(&mut self) {
        self.run += 1;
        let near_ceiling = self.ceiling.is_some_and(|c| self.limit + 1.0 >= c);
        let patience = if near_ceiling {
            4 << self.throttles.min(4)
        } else {
            1
        };
        if self.run >= (self.limit.ceil() as u64) * patience {
            self.limit = (self.limit + 1.0).min(self.max);
            self.run = 0;
        }
    }

    fn throttled(&mut self) {
        self.ceiling = Some(self.ceiling.map_or(self.limit, |c| c.min(self.limit)));
        self.throttles = self.throttles.saturating_add(1);
        self.limit = (self.limit / 2.0).max(1.0);
        self.paced = true;
        self.run = 0;
        self.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admit(a: &mut Aimd, now: Instant) -> Admission {
        let got = a.try_admit(now);
        assert!(got.is_ok(), "expected an admission, got {got:?}");
        got.unwrap_or(Admission { generation: 0 })
    }

    #[test]
    fn starts_from_its_quota_clamped_to_parallelism_and_one() {
        assert_eq!(Aimd::new(3, 10, true).limit(), 3);
        assert_eq!(Aimd::new(50, 10, false).limit(), 10);
        assert_eq!(Aimd::new(0, 10, false).limit(), 1);
        assert_eq!(Aimd::new(5, 0, false).limit(), 1);
    }

    #[test]
    fn bounds_the_attempts_in_flight() {
        let now = Instant::now();
        let mut a = Aimd::new(2, 10, false);
        admit(&mut a, now);
        admit(&mut a, now);
        assert_eq!(a.try_admit(now), Err(None));
        a.release();
        admit(&mut a, now);
    }

    #[test]
    fn a_paced_limit_bounds_the_starts_of_each_second() {
        let t0 = Instant::now();
        let mut a = Aimd::new(3, 10, true);
        for _ in 0..3 {
            admit(&mut a, t0);
            a.release();
        }
        let later = t0 + Duration::from_millis(400);
        assert_eq!(a.try_admit(later), Err(Some(Duration::from_millis(600))));
        admit(&mut a, t0 + WINDOW);
    }

    #[test]
    fn grows_by_one_after_a_run_of_successes_up_to_parallelism() {
        let mut a = Aimd::new(3, 5, false);
        let g = Admission { generation: 0 };
        for _ in 0..2 {
            a.record(g, Outcome::Served);
        }
        assert_eq!(a.limit(), 3, "a run is `limit` successes");
        a.record(g, Outcome::Served);
        assert_eq!(a.limit(), 4);
        for _ in 0..100 {
            a.record(g, Outcome::Served);
        }
        assert_eq!(a.limit(), 5, "never above --parallelism");
    }

    #[test]
    fn halves_on_throttling_once_per_episode_never_below_one() {
        let mut a = Aimd::new(8, 10, false);
        let before = Admission { generation: 0 };
        a.record(before, Outcome::Throttled);
        assert_eq!(a.limit(), 4);
        assert!(
            a.is_paced(),
            "a service that throttled is paced from then on"
        );
        a.record(before, Outcome::Throttled);
        assert_eq!(
            a.limit(),
            4,
            "an attempt admitted before the decrease does not halve again"
        );
        for generation in 1..10 {
            a.record(Admission { generation }, Outcome::Throttled);
        }
        assert_eq!(a.limit(), 1);
    }

    #[test]
    fn unknown_outcomes_change_nothing() {
        let mut a = Aimd::new(1, 10, false);
        for _ in 0..10 {
            a.record(Admission { generation: 0 }, Outcome::Unknown);
        }
        assert_eq!(a.limit(), 1);
    }

    #[test]
    fn probes_a_known_ceiling_ever_more_rarely() {
        let mut a = Aimd::new(6, 10, true);
        a.record(Admission { generation: 0 }, Outcome::Throttled);
        assert_eq!(a.limit(), 3);
        let g = Admission { generation: 1 };
        let mut served = 0;
        while a.limit() < 5 {
            a.record(g, Outcome::Served);
            served += 1;
        }
        assert_eq!(
            served,
            3 + 4,
            "quick back to just below the limit that throttled"
        );
        let mut probing = 0;
        while a.limit() < 6 {
            a.record(g, Outcome::Served);
            probing += 1;
        }
        assert_eq!(probing, 5 * 4 * 2, "then a long run before trying it again");
        a.record(g, Outcome::Throttled);
        let g = Admission { generation: 2 };
        while a.limit() < 5 {
            a.record(g, Outcome::Served);
        }
        let mut again = 0;
        while a.limit() < 6 {
            a.record(g, Outcome::Served);
            again += 1;
        }
        assert_eq!(again, 5 * 4 * 4, "twice as long after each throttle");
    }
}
