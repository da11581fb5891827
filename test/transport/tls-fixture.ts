// A certificate authority and a server certificate for 127.0.0.1 and localhost, made once with openssl for
// tests of TLS toward instances (valid until 2126). Test material only: nothing outside test/ trusts this CA.

/** The CA that signed {@link serverCert}: what a client passes as `tls.ca`. */
export const testCa = `-----BEGIN CERTIFICATE-----
MIIBjzCCATWgAwIBAgIUPhVTuauMQGr38AcWdT41IpdvbPYwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRcHJveHlsZXNzIHRlc3QgQ0EwIBcNMjYxMTI1MDAwNzUyWhgP
MjEyNjExMDEwMDA3NTJaMBwxGjAYBgNVBAMMEXByb3h5bGVzcyB0ZXN0IENBMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAETMsvFeQt8pL/vMA+nAFiL+rT2rmKJW83
P5NIqLa4FImc64o5wlzZwF9TXM2EOiqAsiRyTN903S4taMAstCqpWqNTMFEwHQYD
VR0OBBYEFGT0zlVSZ8vqNMaOrNi0jNXAMNOZMB8GA1UdIwQYMBaAFGT0zlVSZ8vq
NMaOrNi0jNXAMNOZMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIg
HIrq2R1UikoLdi03CoEyCmzTRbqiCdzyr6fzemRK41wCIQDo6L090L3nbZGilmhx
S5FkkgQjvKuudQg3kKxtutMlNw==
-----END CERTIFICATE-----
`;

/** The server certificate, for `127.0.0.1` and `localhost`. */
export const serverCert = `-----BEGIN CERTIFICATE-----
MIIBnDCCAUOgAwIBAgIUEmQNvxRTAhmZbzQ3xA46Y8ALdywwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRcHJveHlsZXNzIHRlc3QgQ0EwIBcNMjYxMTI1MDAwNzUyWhgP
MjEyNjExMDEwMDA3NTJaMBQxEjAQBgNVBAMMCTEyNy4wLjAuMTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABAFm8IrwppDOt0yLyvq7aDSd9sQqbMUZg3jW9x1gvfjY
bRj3XCoQjfTdvxuzmjkHg4Q8u6MZNrdC+q+666Ucp7GjaTBnMBoGA1UdEQQTMBGH
BH8AAAGCCWxvY2FsaG9zdDAJBgNVHRMEAjAAMB0GA1UdDgQWBBSNDNvoRBJO+8nt
ZAbZ2TRpE8WJxjAfBgNVHSMEGDAWgBRk9M5VUmfL6jTGjqzYtIzVwDDTmTAKBggq
hkjOPQQDAgNHADBEAiBSbmIRxcRDTlGksZNtAJRtQJ7JXvfIFPTrTH0Ag5zWuwIg
TkQye5vhcXUJqo88HbFeFgMaG0XMY8zy9iRjNVZJUus=
-----END CERTIFICATE-----
`;

/** The server certificate's private key. */
export const serverKey = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDB+UegpWPk8tU2qR
Yxf10rYwPo/6afaGm5iasVJC/7uhRANCAAQBZvCK8KaQzrdMi8r6u2g0nfbEKmzF
GYN41vcdYL342G0Y91wqEI303b8bs5o5B4OEPLujGTa3QvqvuuulHKex
-----END PRIVATE KEY-----
`;
