//! The connection race's values: the chosen connection (`Connected`), every candidate's
//! outcome and the connections that were not tried, and a whole race's outcome (`RaceOutcome`,
//! for the races a kept server runs).

use plexlink::Connected as CoreConnected;
use plexlink::core::AddressRules;
use std::time::Duration;

use plexlink::core::race::{
    Candidate, CandidateReport as CoreReport, HttpPolicy, ProbeResult, RaceOutcome as CoreOutcome, RacePolicy,
    SkipReason,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::convert::{Options, Seconds, quoted, seconds};
use crate::resources::{Connection, Resource};

/// The race policy for the keyword arguments of ``Client.connect``, ``Client.connect_all`` and
/// ``Client.keep``: plexlink's defaults for what is not given.
pub(crate) fn race_policy(
    grace: Option<Seconds>,
    probe_timeout: Option<Seconds>,
    relay: bool,
    ipv6: bool,
    allow_http: &str,
    http_twins: bool,
) -> PyResult<RacePolicy> {
    let defaults = RacePolicy::default();
    let allow_http = match allow_http {
        "never" => HttpPolicy::Never,
        "private" => HttpPolicy::PrivateOnly,
        "anywhere" => HttpPolicy::Anywhere,
        other => {
            return Err(PyValueError::new_err(format!(
                "allow_http must be \"never\", \"private\" or \"anywhere\", not {other:?}"
            )));
        }
    };
    Ok(RacePolicy {
        grace: seconds("grace", grace)?.unwrap_or(defaults.grace),
        probe_timeout: seconds("probe_timeout", probe_timeout)?.unwrap_or(defaults.probe_timeout),
        allow_http,
        relay,
        ipv6,
        http_twins,
        ..defaults
    })
}

/// [`race_policy`] for the race options as the asyncio face hands them over: one tuple
/// ``(grace, probe_timeout, relay, ipv6, allow_http, http_twins)`` (see [`Options`]).
pub(crate) fn race_options(options: &Bound<'_, PyTuple>) -> PyResult<RacePolicy> {
    let mut options = Options::new(options);
    let grace = options.next("grace")?;
    let probe_timeout = options.next("probe_timeout")?;
    let relay = options.next("relay")?;
    let ipv6 = options.next("ipv6")?;
    let allow_http: String = options.next("allow_http")?;
    let http_twins = options.next("http_twins")?;
    race_policy(grace, probe_timeout, relay, ipv6, &allow_http, http_twins)
}

/// The connection ``Client.connect`` chose (or a kept server uses: ``KeptServer.current``): a
/// :class:`Connection` (its ``uri`` is the one to use), with the server, every candidate's
/// outcome in the race that chose it, and the time choosing took.
#[pyclass(frozen, extends = Connection, module = "plexlink", get_all)]
pub(crate) struct Connected {
    /// The server.
    resource: Py<Resource>,
    /// The winning connection as plex.tv listed it (its ``uri`` differs from this object's
    /// when the plain-http twin of an https connection won).
    advertised: Py<Connection>,
    /// Every candidate in rank order, with what became of it.
    candidates: Vec<Py<CandidateReport>>,
    /// The connections that were not tried, and why.
    skipped: Vec<Py<SkippedConnection>>,
    /// Seconds choosing took.
    elapsed: f64,
    /// The chosen connection's tier: ``local``, ``remote`` or ``relay``, as the race judged it
    /// (by address, not by plex.tv's ``local`` flag).
    tier: &'static str,
}

impl Connected {
    /// The Python object for a race's result: the base `Connection` is the one to use. `rules`
    /// are the client's, for the tier of a result that does not say which candidate won.
    pub(crate) fn create(
        py: Python<'_>,
        resource: Py<Resource>,
        connected: CoreConnected,
        rules: &AddressRules,
    ) -> PyResult<Py<Connected>> {
        let tier = connected
            .tier()
            .unwrap_or_else(|| connected.connection.tier(rules))
            .as_str();
        let used = match connected.outcome.winning_candidate() {
            Some(candidate) => used_connection(candidate),
            None => Connection {
                uri: connected.uri.clone(),
                ..Connection::from(&connected.connection)
            },
        };
        Self::build(
            py,
            resource,
            used,
            &connected.connection,
            &connected.outcome,
            connected.elapsed,
            tier,
        )
    }

    /// The Python object for a connection a kept server chose: `candidate`, won in `outcome`
    /// (the race that chose it).
    pub(crate) fn chosen(
        py: Python<'_>,
        resource: Py<Resource>,
        candidate: &Candidate,
        outcome: &CoreOutcome,
    ) -> PyResult<Py<Connected>> {
        let used = used_connection(candidate);
        let tier = candidate.tier.as_str();
        Self::build(
            py,
            resource,
            used,
            &candidate.connection,
            outcome,
            outcome.elapsed,
            tier,
        )
    }

    fn build(
        py: Python<'_>,
        resource: Py<Resource>,
        used: Connection,
        advertised: &plexlink::Connection,
        outcome: &CoreOutcome,
        elapsed: Duration,
        tier: &'static str,
    ) -> PyResult<Py<Connected>> {
        let RaceReports { candidates, skipped } = race_reports(py, outcome)?;
        let this = Connected {
            resource,
            advertised: Py::new(py, Connection::from(advertised))?,
            candidates,
            skipped,
            elapsed: elapsed.as_secs_f64(),
            tier,
        };
        Py::new(py, PyClassInitializer::from(used).add_subclass(this))
    }
}

/// Every candidate of a race with what became of it, and the connections it did not try: for a
/// `Connected`, and for the `NoConnection` of a race nothing won.
pub(crate) struct RaceReports {
    pub(crate) candidates: Vec<Py<CandidateReport>>,
    pub(crate) skipped: Vec<Py<SkippedConnection>>,
}

/// The reports of a race, as Python objects.
pub(crate) fn race_reports(py: Python<'_>, outcome: &CoreOutcome) -> PyResult<RaceReports> {
    let candidates = outcome
        .reports
        .iter()
        .map(|r| Py::new(py, CandidateReport::new(py, r)?))
        .collect::<PyResult<Vec<_>>>()?;
    let skipped = outcome
        .skipped
        .iter()
        .map(|(c, reason)| Py::new(py, SkippedConnection::new(py, c, *reason)?))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(RaceReports { candidates, skipped })
}

/// How one race ended: every candidate with what became of it, and the connections it did not
/// try (a kept server's ``last_outcome``, and the race behind each of its events).
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct RaceOutcome {
    /// The candidate chosen (one of :attr:`candidates`); None when none answered as the server.
    winner: Option<Py<CandidateReport>>,
    /// Every candidate in rank order, with what became of it.
    candidates: Vec<Py<CandidateReport>>,
    /// The connections that were not tried, and why.
    skipped: Vec<Py<SkippedConnection>>,
    /// Seconds from the race's start to its decision.
    elapsed: f64,
}

impl RaceOutcome {
    pub(crate) fn create(py: Python<'_>, outcome: &CoreOutcome) -> PyResult<Py<RaceOutcome>> {
        let RaceReports { candidates, skipped } = race_reports(py, outcome)?;
        let winner = outcome
            .winner
            .and_then(|index| candidates.get(index))
            .map(|report| report.clone_ref(py));
        Py::new(
            py,
            Self {
                winner,
                candidates,
                skipped,
                elapsed: outcome.elapsed.as_secs_f64(),
            },
        )
    }
}

#[pymethods]
impl RaceOutcome {
    fn __repr__(&self, py: Python<'_>) -> String {
        let winner = self
            .winner
            .as_ref()
            .map_or_else(|| "None".to_owned(), |w| quoted(&w.bind(py).get().uri));
        format!(
            "RaceOutcome(winner={winner}, candidates={}, elapsed={:.3})",
            self.candidates.len(),
            self.elapsed
        )
    }
}

/// The connection a candidate stands for, with the URI and scheme it is used with.
fn used_connection(candidate: &Candidate) -> Connection {
    Connection {
        uri: candidate.uri.clone(),
        protocol: if candidate.secure { "https" } else { "http" }.to_owned(),
        ipv6: candidate.ipv6,
        ..Connection::from(&candidate.connection)
    }
}

#[pymethods]
impl Connected {
    /// The token to use with this server (its ``access_token``), or None.
    #[getter]
    fn access_token(&self, py: Python<'_>) -> Option<String> {
        self.resource.bind(py).get().access_token.clone()
    }

    fn __repr__(self_: PyRef<'_, Self>) -> String {
        let base = self_.as_super();
        let name = self_.resource.bind(self_.py()).get().name.clone();
        format!(
            "Connected(server={}, uri={}, tier={}, elapsed={:.3})",
            quoted(&name),
            quoted(&base.uri),
            quoted(self_.tier),
            self_.elapsed
        )
    }
}

/// One candidate of a connection race and what became of it.
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct CandidateReport {
    /// What was probed (and would be used).
    uri: String,
    /// The connection as plex.tv listed it.
    connection: Py<Connection>,
    /// ``local``, ``remote`` or ``relay`` (the core's names).
    tier: &'static str,
    /// Whether it is https.
    secure: bool,
    /// Whether it is IPv6.
    ipv6: bool,
    /// Whether it is the plain-http twin of an https plex.direct connection.
    http_twin: bool,
    /// ``won``, ``answered``, ``wrong_server``, ``unauthorized``, ``failed``, ``timed_out``,
    /// ``abandoned`` or ``not_sent`` (the core's names).
    result: &'static str,
    /// The error (for ``failed``) or the other machine identifier (``wrong_server``); None
    /// otherwise.
    detail: Option<String>,
    /// Seconds from sending the probe to its answer; None without an answer.
    latency: Option<f64>,
}

impl CandidateReport {
    fn new(py: Python<'_>, report: &CoreReport) -> PyResult<Self> {
        // The names are the core's; only the data some results carry is read here.
        let detail = match &report.result {
            ProbeResult::WrongServer { machine_identifier } => Some(machine_identifier.clone()),
            ProbeResult::Failed(error) => Some(error.to_string()),
            _ => None,
        };
        let candidate = &report.candidate;
        Ok(Self {
            uri: candidate.uri.clone(),
            connection: Py::new(py, Connection::from(&candidate.connection))?,
            tier: candidate.tier.as_str(),
            secure: candidate.secure,
            ipv6: candidate.ipv6,
            http_twin: candidate.http_twin,
            result: report.result.as_str(),
            detail,
            latency: report.latency.map(|d| d.as_secs_f64()),
        })
    }
}

#[pymethods]
impl CandidateReport {
    /// Whether this candidate was chosen.
    #[getter]
    fn won(&self) -> bool {
        self.result == ProbeResult::Won.as_str()
    }

    fn __repr__(&self) -> String {
        let latency = self.latency.map_or_else(|| "None".to_owned(), |l| format!("{l:.3}"));
        format!(
            "CandidateReport(uri={}, tier={}, result={}, latency={latency})",
            quoted(&self.uri),
            quoted(self.tier),
            quoted(self.result)
        )
    }
}

/// A connection that was not a candidate, and why.
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct SkippedConnection {
    /// The connection as plex.tv listed it.
    connection: Py<Connection>,
    /// ``invalid_uri``, ``relay_disabled``, ``ipv6_disabled``, ``foreign_lan``,
    /// ``https_required``, ``http_disabled``, ``plaintext_to_public`` or ``duplicate`` (the
    /// core's names).
    reason: &'static str,
    /// The reason in words.
    message: String,
}

impl SkippedConnection {
    fn new(py: Python<'_>, connection: &plexlink::Connection, reason: SkipReason) -> PyResult<Self> {
        Ok(Self {
            connection: Py::new(py, Connection::from(connection))?,
            reason: reason.as_str(),
            message: reason.to_string(),
        })
    }
}

#[pymethods]
impl SkippedConnection {
    fn __repr__(&self, py: Python<'_>) -> String {
        let uri = self.connection.bind(py).get().uri.clone();
        format!(
            "SkippedConnection(uri={}, reason={})",
            quoted(&uri),
            quoted(self.reason)
        )
    }
}
