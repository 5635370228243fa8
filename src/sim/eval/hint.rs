//! What a reason refers to that the user supplies: a flow attribute to
//! give, or a setting of the run. The simulator names it; the renderer
//! words it, as a flag on the command line or as a key in a flows file.

/// Something the user supplies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// The HTTP method.
    Method,
    /// The HTTP request target.
    Path,
    /// The HTTP host (authority).
    Host,
    /// An HTTP header.
    Header,
    /// An application-protocol attribute: its key and a placeholder for
    /// the value (`api_key`, `<produce|fetch|...>`).
    L7 {
        key: &'static str,
        value: &'static str,
    },
    /// The source port.
    SrcPort,
    /// The destination port, a number or a named port.
    Port,
    /// The outcome of mutual authentication.
    Auth { fails: bool },
    /// DNS answers (a setting of the run).
    DnsAnswers,
    /// The application layer turned off (a setting of the run).
    NoAppLayer,
}

/// What a reason asks for, or the input it was decided by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hint {
    /// The flow lacks what decides the request: give `inputs`, and `also`
    /// as the rules need; `because` says, per rule, what it needs.
    Give {
        inputs: Vec<Input>,
        also: Vec<Input>,
        because: Vec<String>,
        /// A fact worth knowing while choosing what to give.
        note: Option<&'static str>,
    },
    /// The input that decided, named in passing.
    Named(Input),
}

impl Hint {
    /// Give `inputs` to decide the request.
    pub(crate) fn give(inputs: impl IntoIterator<Item = Input>) -> Self {
        Hint::Give {
            inputs: inputs.into_iter().collect(),
            also: Vec::new(),
            because: Vec::new(),
            note: None,
        }
    }

    /// Also give these, as the rules need.
    pub(crate) fn also(mut self, more: impl IntoIterator<Item = Input>) -> Self {
        if let Hint::Give { also, .. } = &mut self {
            also.extend(more);
        }
        self
    }

    pub(crate) fn note(mut self, text: &'static str) -> Self {
        if let Hint::Give { note, .. } = &mut self {
            *note = Some(text);
        }
        self
    }

    /// The inputs the hint asks for or names.
    #[cfg(test)]
    pub(crate) fn inputs(&self) -> Vec<&Input> {
        match self {
            Hint::Give { inputs, also, .. } => inputs.iter().chain(also).collect(),
            Hint::Named(i) => vec![i],
        }
    }
}

/// A hint and where its words go in the reason (a byte offset): the
/// renderer inserts ` (words)` there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacedHint {
    pub at: usize,
    pub hint: Hint,
}
