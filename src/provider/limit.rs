//! How many calls one AWS service gets: additive increase, multiplicative decrease (AIMD), as TCP's
//! congestion window and the AWS SDKs' adaptive retry mode do. Pure logic over the times it is given;
//! [`super::limiter`] wires it to the SDK's clients.
//!
//! One number, `limit`. For most services it bounds the attempts in flight, between 1 and
//! `--parallelism`. A service whose documented quota is a low rate (CloudWatch, Logs, Lambda's and API
//! Gateway's control planes) is *paced* instead: `limit` attempts start a second, evenly spaced
//! (AWS throttles on requests a second, which no concurrency bound keeps under when calls take
//! milliseconds; a burst could empty the service's bucket at once), and at most `--parallelism` are
//! in flight. A service that throttles is paced from
//! then on.
//!
//! - The limit grows by one after a run of successes, and only while it held an attempt back (a
//!   limit nobody reaches says nothing about the service). A run is `limit` successes (about a
//!   second's worth when paced) up to 80% of the lowest limit that throttled, and longer above:
//!   4 × `limit`, doubled after every throttle (up to 64 ×), so a service that throttled at a known
//!   rate is probed ever more rarely (CUBIC's idea: quick back near the last loss, careful past it).
//! - A throttling answer halves the limit (never below 1), once per episode: the answers of attempts
//!   admitted before the last decrease say nothing about the new limit ([`Admission::generation`]).

use std::time::{Duration, Instant};

/// `--parallelism`'s default: calls in flight to each service (and, in the executor, actions at
/// once).
pub const DEFAULT_PARALLELISM: usize = 10;

/// A paced limit's ceiling, requests a second: far above any control-plane quota dtr meets; AIMD
/// finds the real one.
const MAX_RATE: f64 = 1000.0;

/// How close to the lowest limit that throttled the limit grows back quickly.
const BACK_TO: f64 = 0.8;

/// One service's AIMD state.
#[derive(Debug, Clone)]
pub struct Aimd {
    limit: f64,
    /// `--parallelism`: the attempts in flight, paced or not.
    parallelism: f64,
    paced: bool,
    in_flight: usize,
    /// When a paced limit lets the next attempt start.
    next_start: Option<Instant>,
    /// Successes since the limit last changed.
    run: u64,
    /// Whether the limit held an attempt back since it last grew.
    binding: bool,
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
    /// Start at `start`, paced or not, under `parallelism`.
    pub fn new(start: usize, parallelism: usize, paced: bool) -> Self {
        let mut aimd = Aimd {
            limit: start as f64,
            parallelism: parallelism.max(1) as f64,
            paced,
            in_flight: 0,
            next_start: None,
            run: 0,
            binding: false,
            generation: 0,
            ceiling: None,
            throttles: 0,
            answers: 0,
        };
        aimd.limit = aimd.limit.clamp(1.0, aimd.max());
        aimd
    }

    /// How far the limit may grow: a rate when paced, `--parallelism` attempts otherwise.
    fn max(&self) -> f64 {
        if self.paced {
            MAX_RATE
        } else {
            self.parallelism
        }
    }

    /// The limit, whole: attempts a second when paced, at once otherwise.
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

    /// Admit an attempt at `now`, or say how long to wait: `Err(Some(d))` when a paced limit lets
    /// the next start after `d`, `Err(None)` when only a finishing attempt can make room.
    pub fn try_admit(&mut self, now: Instant) -> Result<Admission, Option<Duration>> {
        let at_once = if self.paced {
            self.parallelism
        } else {
            self.limit
        };
        if self.in_flight >= at_once.floor() as usize {
            self.binding |= !self.paced;
            return Err(None);
        }
        if let Some(next) = self.next_start.filter(|next| self.paced && *next > now) {
            self.binding = true;
            return Err(Some(next - now));
        }
        self.in_flight += 1;
        if self.paced {
            // Evenly spaced, 1/limit apart: a burst could empty the service's bucket at once.
            let from = self.next_start.map_or(now, |next| next.max(now));
            self.next_start = Some(from + Duration::from_secs_f64(1.0 / self.limit));
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
        if !self.binding {
            return;
        }
        self.run += 1;
        let near_ceiling = self.ceiling.is_some_and(|c| self.limit + 1.0 > BACK_TO * c);
        let patience = if near_ceiling {
            4 << self.throttles.min(4)
        } else {
            1
        };
        if self.run >= (self.limit.ceil() as u64) * patience {
            self.limit = (self.limit + 1.0).min(self.max());
            self.run = 0;
            self.binding = false;
        }
    }

    fn throttled(&mut self) {
        self.ceiling = Some(self.ceiling.map_or(self.limit, |c| c.min(self.limit)));
        self.throttles = self.throttles.saturating_add(1);
        self.limit = (self.limit / 2.0).max(1.0);
        self.paced = true;
        self.binding = false;
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

    /// Ask for more attempts than the limit allows (so it holds one back), then finish them.
    fn press(a: &mut Aimd) {
        let now = Instant::now();
        let mut admitted = 0;
        while a.try_admit(now).is_ok() {
            admitted += 1;
        }
        for _ in 0..admitted {
            a.release();
        }
    }

    /// `n` successes, each while the limit is held against.
    fn serve(a: &mut Aimd, generation: u64, n: usize) {
        for _ in 0..n {
            press(a);
            a.record(Admission { generation }, Outcome::Served);
        }
    }

    #[test]
    fn starts_from_its_quota_clamped_to_parallelism_and_one() {
        assert_eq!(Aimd::new(3, 10, true).limit(), 3);
        assert_eq!(Aimd::new(50, 10, false).limit(), 10);
        assert_eq!(Aimd::new(0, 10, false).limit(), 1);
        assert_eq!(Aimd::new(5, 0, false).limit(), 1);
        assert_eq!(
            Aimd::new(15, 10, true).limit(),
            15,
            "a rate, not attempts at once"
        );
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
    fn a_paced_limit_spaces_its_starts_and_parallelism_bounds_the_rest() {
        let t0 = Instant::now();
        let mut a = Aimd::new(4, 10, true);
        admit(&mut a, t0);
        a.release();
        let later = t0 + Duration::from_millis(100);
        assert_eq!(a.try_admit(later), Err(Some(Duration::from_millis(150))));
        admit(&mut a, t0 + Duration::from_millis(250));
        a.release();
        admit(&mut a, t0 + Duration::from_secs(2));
        let mut fast = Aimd::new(20, 2, true);
        admit(&mut fast, t0);
        admit(&mut fast, t0 + Duration::from_millis(50));
        let then = t0 + Duration::from_millis(100);
        assert_eq!(
            fast.try_admit(then),
            Err(None),
            "--parallelism still bounds"
        );
    }

    #[test]
    fn grows_by_one_after_a_run_of_successes_up_to_parallelism() {
        let mut a = Aimd::new(3, 5, false);
        serve(&mut a, 0, 2);
        assert_eq!(a.limit(), 3, "a run is `limit` successes");
        serve(&mut a, 0, 1);
        assert_eq!(a.limit(), 4);
        serve(&mut a, 0, 100);
        assert_eq!(a.limit(), 5, "never above --parallelism");
    }

    #[test]
    fn a_limit_nobody_reaches_does_not_grow() {
        let mut a = Aimd::new(3, 10, true);
        for _ in 0..100 {
            a.record(Admission { generation: 0 }, Outcome::Served);
        }
        assert_eq!(a.limit(), 3);
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
            press(&mut a);
            a.record(Admission { generation: 0 }, Outcome::Unknown);
        }
        assert_eq!(a.limit(), 1);
    }

    #[test]
    fn probes_a_known_ceiling_ever_more_rarely() {
        let grow_to = |a: &mut Aimd, generation: u64, limit: usize| {
            let mut served = 0;
            while a.limit() < limit {
                serve(a, generation, 1);
                served += 1;
            }
            served
        };
        let mut a = Aimd::new(10, 100, true);
        a.record(Admission { generation: 0 }, Outcome::Throttled);
        assert_eq!(a.limit(), 5);
        assert_eq!(
            grow_to(&mut a, 1, 8),
            5 + 6 + 7,
            "quick back to 80% of the limit that throttled"
        );
        assert_eq!(
            grow_to(&mut a, 1, 9),
            8 * 4 * 2,
            "then a long run before each step"
        );
        a.record(Admission { generation: 1 }, Outcome::Throttled);
        assert_eq!(a.limit(), 4, "a lower ceiling: 9");
        grow_to(&mut a, 2, 7); // 4.5, 5.5, 6.5 quickly; 7.5 slowly
        assert_eq!(
            grow_to(&mut a, 2, 8),
            8 * 4 * 4,
            "twice as long after each throttle"
        );
    }
}
