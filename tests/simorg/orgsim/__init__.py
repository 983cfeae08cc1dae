"""orgsim - a simulated Salesforce org for ca2eca's tests.

The org is a directory (see README.md).  Modules:
  util      atomic writes, Salesforce ids, times, random values
  registry  metadata types (SDR directory/suffix), OAuth scope names
  schema    the v66 XSD subset: field order, types, enum validation
  record    metadata records <-> XML / JSON
  store     an org on disk, transactions, the multi-org registry
  jwtverify JWT RS256 verification (independent of ca2eca)
  oauth     POST /services/oauth2/token (JWT bearer)
  rules     createMetadata/updateMetadata/upsertMetadata/deleteMetadata rules
  soap      the Metadata SOAP API
  soql      the SOQL subset
  rest      REST resources (query, limits, credentials, tooling sObject)
  faults    faults.json: injected failures, latency, session expiry
  server    the HTTP(S) server, routing, the request log
  tlsgen    make-tls: a test CA and a server certificate
  dump      the normalized JSON view of an org
"""
