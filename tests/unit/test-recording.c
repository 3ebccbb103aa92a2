/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "ir-error.h"
#include "ir-recording.h"

static void
test_recording_assert_event (IrRecording *rec,
			     guint idx,
			     IrRecordingDirection dir,
			     gint64 time_us,
			     const void *data,
			     gsize len)
{
	const IrRecordingEvent *ev = ir_recording_get_event (rec, idx);

	assert_non_null (ev);
	assert_int_equal (ev->direction, dir);
	assert_int_equal (ev->time_us, time_us);
	if (dir == IR_RECORDING_HANGUP) {
		assert_null (ev->data);
		return;
	}
	assert_non_null (ev->data);
	assert_int_equal (g_bytes_get_size (ev->data), len);
	if (len > 0)
		assert_memory_equal (g_bytes_get_data (ev->data, NULL), data, len);
}

static void
test_recording_round_trip (void **state)
{
	g_autoptr (IrRecording) rec = ir_recording_new ("/dev/ttyUSB0");
	g_autoptr (IrRecording) back = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *json = NULL;
	g_autofree char *tmpdir = g_dir_make_tmp ("ir-test-recording-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (tmpdir, "session.json", NULL);
	const guint8 binary[] = {0x7e, 0x00, 0x26, 0xff, 0x7e};
	const guint8 bad_utf8[] = {'O', 'K', 0xc3};

	ir_recording_add_at (rec, IR_RECORDING_WRITE, 0, (const guint8 *)"AT+CGMI\r", 8);
	ir_recording_add_at (
	    rec, IR_RECORDING_READ, 1500, (const guint8 *)"\r\nMediaTek\r\n\r\nOK\r\n", 18);
	ir_recording_add_at (rec, IR_RECORDING_WRITE, 1600, binary, sizeof (binary));
	ir_recording_add_at (rec, IR_RECORDING_READ, 1700, bad_utf8, sizeof (bad_utf8));
	ir_recording_add_at (rec, IR_RECORDING_READ, 1800, (const guint8 *)"é\"\\", 4);
	ir_recording_add_at (rec, IR_RECORDING_HANGUP, 2000, NULL, 0);

	json = ir_recording_to_json (rec);
	/* readable where it can be, base64 where it must be */
	assert_non_null (strstr (json, "\"format\" : \"imeirestore-session\""));
	assert_non_null (strstr (json, "\"text\" : \"AT+CGMI\\r\""));
	assert_non_null (strstr (json, "\"base64\" : \"fgAm/34=\""));
	assert_non_null (strstr (json, "\"dir\" : \"hangup\""));
	assert_non_null (strstr (json, "\"created\" : \""));

	assert_true (ir_recording_save (rec, path, &error));
	assert_null (error);
	back = ir_recording_load (path, &error);
	assert_null (error);
	assert_non_null (back);
	assert_string_equal (ir_recording_get_port (back), "/dev/ttyUSB0");
	assert_int_equal (ir_recording_get_n_events (back), 6);
	test_recording_assert_event (back, 0, IR_RECORDING_WRITE, 0, "AT+CGMI\r", 8);
	test_recording_assert_event (
	    back, 1, IR_RECORDING_READ, 1500, "\r\nMediaTek\r\n\r\nOK\r\n", 18);
	test_recording_assert_event (back, 2, IR_RECORDING_WRITE, 1600, binary, sizeof (binary));
	test_recording_assert_event (back, 3, IR_RECORDING_READ, 1700, bad_utf8, sizeof (bad_utf8));
	test_recording_assert_event (back, 4, IR_RECORDING_READ, 1800, "é\"\\", 4);
	test_recording_assert_event (back, 5, IR_RECORDING_HANGUP, 2000, NULL, 0);
	assert_null (ir_recording_get_event (back, 6));

	/* saving what was loaded gives the same document */
	{
		g_autofree char *json2 = ir_recording_to_json (back);
		assert_string_equal (json, json2);
	}
	g_unlink (path);
	g_rmdir (tmpdir);
}

static void
test_recording_add_is_timed (void **state)
{
	g_autoptr (IrRecording) rec = ir_recording_new ("/dev/pts/3");

	ir_recording_add (rec, IR_RECORDING_WRITE, (const guint8 *)"AT\r", 3);
	g_usleep (20 * 1000);
	ir_recording_add (rec, IR_RECORDING_READ, (const guint8 *)"OK\r\n", 4);
	/* the same direction twice stays two events */
	ir_recording_add (rec, IR_RECORDING_READ, (const guint8 *)"\r\n", 2);
	assert_int_equal (ir_recording_get_n_events (rec), 3);
	assert_true (ir_recording_get_event (rec, 1)->time_us -
			 ir_recording_get_event (rec, 0)->time_us >=
		     20 * 1000);
	assert_true (ir_recording_get_event (rec, 2)->time_us >=
		     ir_recording_get_event (rec, 1)->time_us);
}

static void
test_recording_load_missing (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrRecording) rec = ir_recording_load ("/nonexistent/session.json", &error);

	assert_null (rec);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_NOT_FOUND));
	assert_non_null (strstr (error->message, "/nonexistent/session.json"));
}

#define HDR                                                                                        \
	"{\"format\":\"imeirestore-session\",\"version\":1,\"port\":\"/dev/ttyUSB0\","             \
	"\"created\":\"2026-11-29T07:00:00Z\","

typedef struct {
	const char *json;
	gboolean ok;
	guint n_events;	     /* when ok */
	const char *message; /* a part of the message when not ok */
} ParseCase;

static const ParseCase parse_cases[] = {
    /* good */
    {HDR "\"events\":[]}", TRUE, 0, NULL},
    {HDR "\"events\":[{\"t_us\":0,\"dir\":\"w\",\"text\":\"AT\\r\"},"
	 "{\"t_us\":0,\"dir\":\"r\",\"base64\":\"T0sNCg==\"},{\"t_us\":9,\"dir\":\"hangup\"}]}",
     TRUE,
     3,
     NULL},
    {HDR "\"events\":[{\"t_us\":5,\"dir\":\"r\",\"text\":\"\"}]}", TRUE, 1, NULL},
    /* not JSON, not an object */
    {"", FALSE, 0, "JSON"},
    {"{\"format\":", FALSE, 0, "not JSON"},
    {"[1,2]", FALSE, 0, "not a JSON object"},
    /* header */
    {"{\"format\":\"other\",\"version\":1,\"port\":\"x\",\"created\":\"2026-11-29T07:00:00Z\","
     "\"events\":[]}",
     FALSE,
     0,
     "\"format\""},
    {"{\"version\":1,\"port\":\"x\",\"created\":\"2026-11-29T07:00:00Z\",\"events\":[]}",
     FALSE,
     0,
     "\"format\""},
    {"{\"format\":\"imeirestore-session\",\"version\":2,\"port\":\"x\","
     "\"created\":\"2026-11-29T07:00:00Z\",\"events\":[]}",
     FALSE,
     0,
     "version"},
    {"{\"format\":\"imeirestore-session\",\"version\":\"1\",\"port\":\"x\","
     "\"created\":\"2026-11-29T07:00:00Z\",\"events\":[]}",
     FALSE,
     0,
     "version"},
    {"{\"format\":\"imeirestore-session\",\"version\":1,"
     "\"created\":\"2026-11-29T07:00:00Z\",\"events\":[]}",
     FALSE,
     0,
     "\"port\""},
    {"{\"format\":\"imeirestore-session\",\"version\":1,\"port\":\"x\","
     "\"created\":\"yesterday\",\"events\":[]}",
     FALSE,
     0,
     "\"created\""},
    {HDR "\"events\":{}}", FALSE, 0, "\"events\""},
    {HDR "\"evts\":[]}", FALSE, 0, "\"events\""},
    /* events */
    {HDR "\"events\":[7]}", FALSE, 0, "event 0: not an object"},
    {HDR "\"events\":[{\"t_us\":0,\"dir\":\"x\",\"text\":\"AT\"}]}",
     FALSE,
     0,
     "event 0: unknown \"dir\""},
    {HDR "\"events\":[{\"t_us\":0,\"text\":\"AT\"}]}", FALSE, 0, "event 0: unknown \"dir\""},
    {HDR "\"events\":[{\"t_us\":0,\"dir\":\"w\",\"text\":\"AT\",\"base64\":\"QVQ=\"}]}",
     FALSE,
     0,
     "event 0: needs exactly one"},
    {HDR "\"events\":[{\"t_us\":0,\"dir\":\"w\"}]}", FALSE, 0, "event 0: needs exactly one"},
    {HDR "\"events\":[{\"t_us\":0,\"dir\":\"hangup\",\"text\":\"x\"}]}",
     FALSE,
     0,
     "event 0: a hangup"},
    {HDR "\"events\":[{\"t_us\":0,\"dir\":\"w\",\"text\":\"A\"},{\"t_us\":10,\"dir\":\"r\","
	 "\"text\":\"B\"},{\"t_us\":9,\"dir\":\"r\",\"text\":\"C\"}]}",
     FALSE,
     0,
     "event 2: time goes backwards"},
    {HDR "\"events\":[{\"t_us\":-1,\"dir\":\"w\",\"text\":\"A\"}]}", FALSE, 0, "event 0: \"t_us\""},
    {HDR "\"events\":[{\"t_us\":1.5,\"dir\":\"w\",\"text\":\"A\"}]}",
     FALSE,
     0,
     "event 0: \"t_us\""},
    {HDR "\"events\":[{\"dir\":\"w\",\"text\":\"A\"}]}", FALSE, 0, "event 0: \"t_us\""},
    {HDR "\"events\":[{\"t_us\":0,\"dir\":\"w\",\"base64\":\"QVQ\"}]}",
     FALSE,
     0,
     "event 0: \"base64\""},
    {HDR "\"events\":[{\"t_us\":0,\"dir\":\"w\",\"base64\":\"Q*Q=\"}]}",
     FALSE,
     0,
     "event 0: \"base64\""},
    {HDR "\"events\":[{\"t_us\":0,\"dir\":\"w\",\"base64\":\"Q=Q=\"}]}",
     FALSE,
     0,
     "event 0: \"base64\""},
    {HDR "\"events\":[{\"t_us\":0,\"dir\":\"w\",\"text\":5}]}", FALSE, 0, "event 0: \"text\""},
    {HDR "\"events\":[{\"t_us\":0,\"dir\":\"w\",\"text\":\"A\",\"delay\":3}]}",
     FALSE,
     0,
     "event 0: unknown member \"delay\""},
};

static void
test_recording_parse_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++) {
		const ParseCase *c = &parse_cases[i];
		g_autoptr (GError) error = NULL;
		g_autoptr (IrRecording) rec = ir_recording_parse (c->json, -1, &error);

		if (c->ok) {
			if (rec == NULL)
				fail_msg ("case %u: %s", i, error->message);
			assert_int_equal (ir_recording_get_n_events (rec), c->n_events);
			continue;
		}
		if (rec != NULL)
			fail_msg ("case %u: loaded, expected \"%s\"", i, c->message);
		assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
		assert_non_null (strstr (error->message, "(string)"));
		if (strstr (error->message, c->message) == NULL)
			fail_msg ("case %u: \"%s\" not in \"%s\"", i, c->message, error->message);
	}
}

/* a file's errors name the file */
static void
test_recording_load_malformed_names_file (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *tmpdir = g_dir_make_tmp ("ir-test-recording-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (tmpdir, "bad.json", NULL);
	g_autoptr (IrRecording) rec = NULL;

	assert_true (g_file_set_contents (
	    path,
	    HDR
	    "\"events\":[{\"t_us\":0,\"dir\":\"w\",\"text\":\"A\"},{\"t_us\":1,\"dir\":\"z\"}]}",
	    -1,
	    NULL));
	rec = ir_recording_load (path, &error);
	assert_null (rec);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
	assert_non_null (strstr (error->message, path));
	assert_non_null (strstr (error->message, "event 1"));
	g_unlink (path);
	g_rmdir (tmpdir);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_recording_round_trip),
	    cmocka_unit_test (test_recording_add_is_timed),
	    cmocka_unit_test (test_recording_load_missing),
	    cmocka_unit_test (test_recording_parse_table),
	    cmocka_unit_test (test_recording_load_malformed_names_file),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
