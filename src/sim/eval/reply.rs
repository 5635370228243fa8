//! What a client receives when its flow or request is refused. The
//! evaluator says which answer it is; the renderer words it (and may name
//! the dataplane that sends it), as it words hints.

/// The answer a refused client gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The packets are dropped at L3/L4: the connection times out.
    Dropped,
    /// The packets are dropped because mutual authentication failed.
    AuthenticationRequired,
    /// The L7 proxy's HTTP 403 with its denial body.
    HttpForbidden,
    /// An HTTP 403 from an external authorisation check (no body known).
    HttpForbiddenExternal,
    /// The proxy rejects the request before any policy: 400 or 404.
    HttpStatus(u16),
    /// The DNS proxy answers REFUSED (or NXDOMAIN, as configured).
    DnsRefused,
    /// A Kafka error response, code 29 TOPIC_AUTHORIZATION_FAILED.
    KafkaTopicAuthorizationFailed,
    /// A Kafka request type the proxy cannot answer with an error: it is
    /// dropped without a reply (`api_key` as the trace names it).
    KafkaNoReply { api_key: String },
    /// A Cassandra ERROR frame, code 0x2100 Unauthorized.
    CassandraUnauthorized,
    /// memcached's `CLIENT_ERROR access denied`.
    MemcacheAccessDenied,
    /// r2d2's `ERROR`.
    R2d2Error,
    /// The proxy closes the connection: rules it cannot apply.
    ConnectionClosed,
    /// The proxy's parser cannot parse the request and closes the
    /// connection.
    ParserError,
    /// Some error from the proxy (no refusal recorded its answer).
    ProxyError,
}
