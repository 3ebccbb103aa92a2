/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-target.h"
#include "ir-block-list.h"
#include "ir-rollout-summary.h"

/* The input is a signed rollout note: a summary or a block list
 * (docs/rollout-policy.md). Whatever the parsers accept must keep their
 * promises: the text is exactly the canonical text written back from what
 * was read, a summary's totals are the sums of its centres and logs, and a
 * block list holds no more IMEIs than its cap. Any broken promise aborts,
 * which libFuzzer reports. */

static void
fuzz_rollout_note_check (gboolean condition)
{
	if (!condition)
		abort ();
}

static void
fuzz_rollout_note_summary (JsonNode *body, const char *text)
{
	g_autoptr (IrRolloutSummary) s = ir_rollout_summary_parse (body, text, NULL);
	g_autofree char *again = NULL;
	guint64 issued = 0;

	if (s == NULL)
		return;
	again = ir_rollout_summary_format (s);
	fuzz_rollout_note_check (g_strcmp0 (again, text) == 0);
	for (guint i = 0; i < s->centres->len; i++)
		issued += ((IrRolloutSummaryCentre *)g_ptr_array_index (s->centres, i))->issued;
	fuzz_rollout_note_check (issued == s->issued);
}

static void
fuzz_rollout_note_block_list (JsonNode *body, const char *text)
{
	g_autoptr (IrBlockList) list = ir_block_list_parse (body, text, NULL);
	g_autofree char *again = NULL;

	if (list == NULL)
		return;
	again = ir_block_list_format (list);
	fuzz_rollout_note_check (g_strcmp0 (again, text) == 0);
	fuzz_rollout_note_check (list->block->len <= list->cap);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	IrRolloutNoteKind kind = IR_ROLLOUT_NOTE_SUMMARY;
	g_autoptr (JsonNode) body = NULL;
	g_autoptr (IrSignedNote) note =
	    ir_rollout_note_parse ((const char *)data, size, &kind, &body, NULL);

	if (note == NULL)
		return 0;
	if (kind == IR_ROLLOUT_NOTE_SUMMARY)
		fuzz_rollout_note_summary (body, note->body);
	else
		fuzz_rollout_note_block_list (body, note->body);
	return 0;
}
