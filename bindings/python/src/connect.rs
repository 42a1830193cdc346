//! The connection race's values: the chosen connection (`Connected`), every candidate's
//! outcome and the connections that were not tried.

use plexlink::Connected as CoreConnected;
use plexlink::core::race::{CandidateReport as CoreReport, HttpPolicy, ProbeResult, RacePolicy, SkipReason};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::{Seconds, quoted, seconds};
use crate::resources::{Connection, Resource};

/// The race policy for ``Client.connect``'s and ``Client.connect_all``'s keyword arguments:
/// plexlink's defaults for what is not given.
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

/// The connection ``Client.connect`` chose: a :class:`Connection` (its ``uri`` is the one to
/// use), with the server, every candidate's outcome and the time choosing took.
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
}

impl Connected {
    /// The Python object for a race's result: the base `Connection` is the one to use.
    pub(crate) fn create(py: Python<'_>, resource: Py<Resource>, connected: CoreConnected) -> PyResult<Py<Connected>> {
        let used = match connected.outcome.winning_candidate() {
            Some(candidate) => used_connection(candidate),
            None => Connection {
                uri: connected.uri.clone(),
                ..Connection::from(&connected.connection)
            },
        };
        let candidates = connected
            .outcome
            .reports
            .iter()
            .map(|r| Py::new(py, CandidateReport::new(py, r)?))
            .collect::<PyResult<Vec<_>>>()?;
        let skipped = connected
            .outcome
            .skipped
            .iter()
            .map(|(c, reason)| Py::new(py, SkippedConnection::new(py, c, *reason)?))
            .collect::<PyResult<Vec<_>>>()?;
        let this = Connected {
            resource,
            advertised: Py::new(py, Connection::from(&connected.connection))?,
            candidates,
            skipped,
            elapsed: connected.elapsed.as_secs_f64(),
        };
        Py::new(py, PyClassInitializer::from(used).add_subclass(this))
    }
}

/// The connection a candidate stands for, with the URI and scheme it is used with.
fn used_connection(candidate: &plexlink::core::race::Candidate) -> Connection {
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
            "Connected(server={}, uri={}, elapsed={:.3})",
            quoted(&name),
            quoted(&base.uri),
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
    /// ``local``, ``remote`` or ``relay``.
    tier: String,
    /// Whether it is https.
    secure: bool,
    /// Whether it is IPv6.
    ipv6: bool,
    /// Whether it is the plain-http twin of an https plex.direct connection.
    http_twin: bool,
    /// ``won``, ``answered``, ``wrong_server``, ``unauthorized``, ``failed``, ``timed_out``,
    /// ``abandoned`` or ``not_sent``.
    result: String,
    /// The error (for ``failed``) or the other machine identifier (``wrong_server``); None
    /// otherwise.
    detail: Option<String>,
    /// Seconds from sending the probe to its answer; None without an answer.
    latency: Option<f64>,
}

impl CandidateReport {
    fn new(py: Python<'_>, report: &CoreReport) -> PyResult<Self> {
        let (result, detail) = match &report.result {
            ProbeResult::Won => ("won", None),
            ProbeResult::Answered => ("answered", None),
            ProbeResult::WrongServer { machine_identifier } => ("wrong_server", Some(machine_identifier.clone())),
            ProbeResult::Unauthorized => ("unauthorized", None),
            ProbeResult::Failed(error) => ("failed", Some(error.to_string())),
            ProbeResult::TimedOut => ("timed_out", None),
            ProbeResult::Abandoned => ("abandoned", None),
            ProbeResult::NotSent => ("not_sent", None),
        };
        let candidate = &report.candidate;
        Ok(Self {
            uri: candidate.uri.clone(),
            connection: Py::new(py, Connection::from(&candidate.connection))?,
            tier: candidate.tier.to_string(),
            secure: candidate.secure,
            ipv6: candidate.ipv6,
            http_twin: candidate.http_twin,
            result: result.to_owned(),
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
        self.result == "won"
    }

    fn __repr__(&self) -> String {
        let latency = self.latency.map_or_else(|| "None".to_owned(), |l| format!("{l:.3}"));
        format!(
            "CandidateReport(uri={}, tier={}, result={}, latency={latency})",
            quoted(&self.uri),
            quoted(&self.tier),
            quoted(&self.result)
        )
    }
}

/// A connection that was not a candidate, and why.
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct SkippedConnection {
    /// The connection as plex.tv listed it.
    connection: Py<Connection>,
    /// ``invalid_uri``, ``relay_disabled``, ``ipv6_disabled``, ``foreign_lan``,
    /// ``https_required``, ``http_disabled``, ``plaintext_to_public``, ``duplicate`` or ``other``.
    reason: String,
    /// The reason in words.
    message: String,
}

impl SkippedConnection {
    fn new(py: Python<'_>, connection: &plexlink::Connection, reason: SkipReason) -> PyResult<Self> {
        let code = match reason {
            SkipReason::InvalidUri => "invalid_uri",
            SkipReason::RelayDisabled => "relay_disabled",
            SkipReason::Ipv6Disabled => "ipv6_disabled",
            SkipReason::ForeignLan => "foreign_lan",
            SkipReason::HttpsRequired => "https_required",
            SkipReason::HttpDisabled => "http_disabled",
            SkipReason::PlaintextToPublic => "plaintext_to_public",
            SkipReason::Duplicate => "duplicate",
            _ => "other",
        };
        Ok(Self {
            connection: Py::new(py, Connection::from(connection))?,
            reason: code.to_owned(),
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
            quoted(&self.reason)
        )
    }
}
