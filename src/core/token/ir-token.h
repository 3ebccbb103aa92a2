/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

#include "ir-imei.h"
#include "ir-token-seen.h"
#include "ir-trust-store.h"

G_BEGIN_DECLS

/* The restore token: the brand's signed, device-bound, single-use authority
 * to write IMEIs to one phone. A COSE_Sign1 (RFC 9052, tag 18) over CWT
 * claims (RFC 8392); the wire format is specified in
 * protocols/secure-restore-v1/README.md, "Restore token".
 *
 * The server encodes with ir_token_encode(). The tool and the simulated
 * device verify with ir_token_verify_bytes() (decode + verify + single use),
 * or with ir_token_decode() then ir_token_verify(). Every refusal has its own
 * IrTokenRefusal for callers to switch on, and a GError that names the claim
 * (code IR_ERROR_PROTOCOL for undecodable bytes, IR_ERROR_TOKEN_REFUSED for
 * a token that decodes but is refused, or the store's own error when the
 * used-token store fails). */

#define IR_TOKEN_MAX_SIZE     4096		/* bytes of COSE_Sign1 */
#define IR_TOKEN_MAX_LIFETIME 900		/* seconds from iat to exp */
#define IR_TOKEN_DEFAULT_SKEW 60		/* seconds of clock skew tolerated */
#define IR_TOKEN_MAX_SLOTS    IR_IMEI_MAX_SLOTS /* the name the token code uses */
#define IR_TOKEN_CNF_LEN      32		/* SHA-256 */
#define IR_TOKEN_CTI_MIN      8
#define IR_TOKEN_CTI_MAX      64
#define IR_TOKEN_NONCE_MIN    8
#define IR_TOKEN_NONCE_MAX    64
#define IR_TOKEN_TEXT_MAX     128 /* iss, aud, ids, phase, centre */

/* COSE header labels (RFC 9052 §3.1). */
#define IR_COSE_HDR_ALG	  1
#define IR_COSE_HDR_CRIT  2
#define IR_COSE_HDR_KID	  4
#define IR_COSE_TAG_SIGN1 18

/* CWT claim labels: RFC 8392 §4, cnf from RFC 8747 §3.1, and private claims
 * in the private-use range (below -65536) of the CWT Claims registry. */
#define IR_TOKEN_CLAIM_ISS    1
#define IR_TOKEN_CLAIM_AUD    3
#define IR_TOKEN_CLAIM_EXP    4
#define IR_TOKEN_CLAIM_NBF    5
#define IR_TOKEN_CLAIM_IAT    6
#define IR_TOKEN_CLAIM_CTI    7
#define IR_TOKEN_CLAIM_CNF    8
#define IR_TOKEN_CLAIM_DEVICE (-65537) /* map, IR_TOKEN_DEV_* */
#define IR_TOKEN_CLAIM_IMEIS  (-65538) /* map slot → IMEI to write */
#define IR_TOKEN_CLAIM_PHASE  (-65539) /* text: rollout phase id */
#define IR_TOKEN_CLAIM_CENTRE (-65540) /* text: service centre id */
/* text: the phone's 6-digit service programming code, only for a family
 * that needs one before its write (qualcomm DIAG) and only when the
 * brand's registry holds it; absent otherwise */
#define IR_TOKEN_CLAIM_SPC (-65541)
#define IR_TOKEN_SPC_LEN   6

/* Confirmation method inside cnf: SHA-256 of the requesting client
 * certificate's DER SubjectPublicKeyInfo (private-use label). */
#define IR_TOKEN_CNF_SPKI_S256 (-65537)

/* Keys of the device binding map. */
#define IR_TOKEN_DEV_HWID    1 /* text: hardware id from the challenge */
#define IR_TOKEN_DEV_SERIAL  2 /* text: serial number */
#define IR_TOKEN_DEV_NONCE   3 /* bytes: the device's challenge nonce */
#define IR_TOKEN_DEV_COUNTER 4 /* uint: the device's challenge counter */
#define IR_TOKEN_DEV_CURRENT 5 /* map slot → text: IMEIs read before the write */

typedef enum {
	IR_TOKEN_OK = 0,
	IR_TOKEN_REFUSED_MALFORMED,	  /* not strict CBOR or not a COSE_Sign1 CWT */
	IR_TOKEN_REFUSED_TOO_LARGE,	  /* more than IR_TOKEN_MAX_SIZE bytes */
	IR_TOKEN_REFUSED_CRITICAL_HEADER, /* crit, or another header we do not know */
	IR_TOKEN_REFUSED_UNKNOWN_KID,	  /* no pinned key for the kid */
	IR_TOKEN_REFUSED_ALGORITHM,	  /* alg is not the one pinned for the kid */
	IR_TOKEN_REFUSED_SIGNATURE,	  /* signature does not verify */
	IR_TOKEN_REFUSED_MISSING_CLAIM,	  /* a required claim is absent */
	IR_TOKEN_REFUSED_ISSUER,
	IR_TOKEN_REFUSED_AUDIENCE,
	IR_TOKEN_REFUSED_EXPIRED,	   /* exp passed (beyond the skew) */
	IR_TOKEN_REFUSED_NOT_YET_VALID,	   /* nbf in the future (beyond the skew) */
	IR_TOKEN_REFUSED_ISSUED_IN_FUTURE, /* iat in the future (beyond the skew) */
	IR_TOKEN_REFUSED_LIFETIME,	   /* exp - iat over 15 minutes, or exp <= iat */
	IR_TOKEN_REFUSED_CNF,		   /* bound to another client certificate */
	IR_TOKEN_REFUSED_DEVICE,	   /* bound to another phone */
	IR_TOKEN_REFUSED_NONCE,		   /* not for the phone's current challenge */
	IR_TOKEN_REFUSED_COUNTER,	   /* not for the phone's current counter */
	IR_TOKEN_REFUSED_CURRENT_IMEI,	   /* the phone's IMEIs changed since the request */
	IR_TOKEN_REFUSED_IMEI,		   /* an IMEI to write is not a valid IMEI */
	IR_TOKEN_REFUSED_CENTRE,	   /* issued to another service centre */
	IR_TOKEN_REFUSED_REPLAYED,	   /* cti already used on this workstation */
	IR_TOKEN_REFUSED_STORE,		   /* the used-token store failed */
} IrTokenRefusal;

/* A short stable name, e.g. "expired", for logs and JSON output. */
const char *ir_token_refusal_to_string (IrTokenRefusal refusal);

/* Decoded claims. The encoder reads them; ir_token_get_claims() returns
 * them. NULL strings and NULL GBytes are absent values. */
typedef struct {
	char *iss;
	char *aud;
	gint64 exp;
	gint64 nbf;
	gint64 iat;
	GBytes *cti;
	guint8 cnf[IR_TOKEN_CNF_LEN];
	/* device binding: at least one of hardware_id and serial */
	char *hardware_id;
	char *serial;
	GBytes *nonce; /* NULL for a family without a challenge */
	gboolean has_counter;
	guint64 counter;
	gboolean has_current;			/* binds to the IMEIs read before the write */
	char *current_imei[IR_TOKEN_MAX_SLOTS]; /* NULL: slot empty or absent */
	/* authority */
	char *imei[IR_TOKEN_MAX_SLOTS]; /* to write; NULL: leave the slot alone */
	char *phase;
	char *centre;
	char *spc; /* NULL: none; wiped when the claims are cleared */
} IrTokenClaims;

void ir_token_claims_clear (IrTokenClaims *claims);

/* Signs @claims with @key (private) for @alg under key id @kid. The claims
 * are checked as the verifier would (lifetime, IMEIs, sizes) so that the
 * server cannot issue a token no tool would accept. */
GBytes *ir_token_encode (
    const IrTokenClaims *claims, IrTokenAlg alg, const char *kid, EVP_PKEY *key, GError **error);

/* What the verifier compares the token with: the phone in hand, the
 * client certificate in use, the clock. */
typedef struct {
	gint64 now; /* Unix seconds; 0 = the real clock */
	guint skew; /* seconds; IR_TOKEN_DEFAULT_SKEW unless testing */
	/* SHA-256 of the client certificate's SPKI (ir_token_spki_sha256());
	 * NULL only on the device side, which never sees the TLS session */
	const guint8 *client_spki_sha256;
	const char *hardware_id; /* as the phone reports it; NULL if it has none */
	const char *serial;
	const guint8 *nonce; /* the phone's current challenge; NULL: none */
	gsize nonce_len;
	gboolean has_counter;
	guint64 counter;
	/* IMEIs read from the phone, compared when the token binds them */
	const char *current_imei[IR_TOKEN_MAX_SLOTS];
	const char *centre; /* the technician's centre; NULL: not checked */
} IrTokenExpect;

typedef struct _IrToken IrToken;

/* Strict decoding only: structure, encoding and claim types, no signature
 * and no claim values checked. @refusal may be NULL. */
IrToken *ir_token_decode (const guint8 *data, gsize len, IrTokenRefusal *refusal, GError **error);

/* Signature with the pinned key and algorithm, then every claim. Does not
 * consult or change the used-token store. */
gboolean ir_token_verify (const IrToken *token,
			  const IrTrustStore *trust,
			  const IrTokenExpect *expect,
			  IrTokenRefusal *refusal,
			  GError **error);

/* Decode, verify, then record the cti in @seen (may be NULL on the device
 * side, whose nonce is single-use). Returns the token only when it may be
 * used, exactly once. */
IrToken *ir_token_verify_bytes (const guint8 *data,
				gsize len,
				const IrTrustStore *trust,
				const IrTokenExpect *expect,
				IrTokenSeen *seen,
				IrTokenRefusal *refusal,
				GError **error);
/* The same, but the cti's line in @seen is not synced yet: *@sync (NULL
 * when @seen is) is its fsync, to finish with ir_token_seen_sync_finish()
 * before the token is used; IR_TOKEN_REFUSED_STORE when that fails. */
IrToken *ir_token_verify_bytes_unsynced (const guint8 *data,
					 gsize len,
					 const IrTrustStore *trust,
					 const IrTokenExpect *expect,
					 IrTokenSeen *seen,
					 IrTokenSeenSync **sync,
					 IrTokenRefusal *refusal,
					 GError **error);

void ir_token_free (IrToken *token);

const IrTokenClaims *ir_token_get_claims (const IrToken *token);
const char *ir_token_get_kid (const IrToken *token);
IrTokenAlg ir_token_get_alg (const IrToken *token);

/* SHA-256 of a certificate's DER SubjectPublicKeyInfo: the value of cnf.
 * @cert is PEM or DER. */
gboolean
ir_token_spki_sha256 (const guint8 *cert, gsize len, guint8 out[IR_TOKEN_CNF_LEN], GError **error);

/* Loads a token-signing private key (PEM, unencrypted: the server's own
 * key file) and tells its algorithm: Ed25519 → EdDSA, P-256 → ES256. */
EVP_PKEY *ir_token_signing_key_load (const char *path, IrTokenAlg *alg, GError **error);

/* The token's text form on the wire (JSON, AT commands): base64url without
 * padding (RFC 4648 §5). Decoding is strict: only the URL alphabet, no
 * padding, no line breaks, canonical trailing bits, at most the size of
 * an IR_TOKEN_MAX_SIZE token. */
char *ir_token_to_base64url (GBytes *token);
GBytes *ir_token_from_base64url (const char *text, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrToken, ir_token_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrTokenClaims, ir_token_claims_clear)

G_END_DECLS
