/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <string.h>

#include "ir-token.h"

/* The claims of the committed known-good vectors in tests/data/token/,
 * shared by make-token-vector (which made them once, with throwaway keys)
 * and test-token (which checks them). Changing anything here means making
 * new vectors: the committed bytes must keep verifying. */

#define VECTOR_NOW	G_GINT64_CONSTANT (1800000000) /* 2027-01-15T08:00:00Z */
#define VECTOR_ISSUER	"imei-brandd.test"
#define VECTOR_AUDIENCE "imeirestore"
#define VECTOR_HWID	"HW-0001"
#define VECTOR_SERIAL	"SN123456"
#define VECTOR_COUNTER	7
#define VECTOR_CURRENT0 "000000000000000"
#define VECTOR_IMEI0	"490154203237518"
#define VECTOR_IMEI1	"352099001761481"
#define VECTOR_PHASE	"phase-1"
#define VECTOR_CENTRE	"DL-0001"

static const guint8 vector_cti[16] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};
static const guint8 vector_nonce[16] = {
    0x5a, 0x5a, 0x5a, 0x5a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc};
/* stands for SHA-256 of the requesting client certificate's SPKI */
static const guint8 vector_cnf[IR_TOKEN_CNF_LEN] = {
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb};

static inline void
vector_claims (IrTokenClaims *c)
{
	memset (c, 0, sizeof (*c));
	c->iss = g_strdup (VECTOR_ISSUER);
	c->aud = g_strdup (VECTOR_AUDIENCE);
	c->iat = VECTOR_NOW - 10;
	c->nbf = VECTOR_NOW - 10;
	c->exp = VECTOR_NOW + 590;
	c->cti = g_bytes_new (vector_cti, sizeof (vector_cti));
	memcpy (c->cnf, vector_cnf, sizeof (vector_cnf));
	c->hardware_id = g_strdup (VECTOR_HWID);
	c->serial = g_strdup (VECTOR_SERIAL);
	c->nonce = g_bytes_new (vector_nonce, sizeof (vector_nonce));
	c->has_counter = TRUE;
	c->counter = VECTOR_COUNTER;
	c->has_current = TRUE;
	c->current_imei[0] = g_strdup (VECTOR_CURRENT0);
	c->imei[0] = g_strdup (VECTOR_IMEI0);
	c->imei[1] = g_strdup (VECTOR_IMEI1);
	c->phase = g_strdup (VECTOR_PHASE);
	c->centre = g_strdup (VECTOR_CENTRE);
}

/* What the phone in hand and the session look like for those claims. */
static inline void
vector_expect (IrTokenExpect *e)
{
	memset (e, 0, sizeof (*e));
	e->now = VECTOR_NOW;
	e->skew = IR_TOKEN_DEFAULT_SKEW;
	e->client_spki_sha256 = vector_cnf;
	e->hardware_id = VECTOR_HWID;
	e->serial = VECTOR_SERIAL;
	e->nonce = vector_nonce;
	e->nonce_len = sizeof (vector_nonce);
	e->has_counter = TRUE;
	e->counter = VECTOR_COUNTER;
	e->current_imei[0] = VECTOR_CURRENT0;
	e->centre = VECTOR_CENTRE;
}
