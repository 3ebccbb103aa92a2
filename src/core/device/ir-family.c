/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-family.h"

/* The families the drivers registered. One per process, as the profiles
 * are: a registry handed down to every session would have to travel
 * through every front end for no gain, since the set of drivers is fixed
 * at build time. Guarded by a mutex because sessions run in worker
 * threads. */
typedef struct {
	GMutex lock;
	GPtrArray *families; /* const IrFamily *, not owned */
} IrFamilyRegistry;

static IrFamilyRegistry *
ir_family_registry_get (void)
{
	static IrFamilyRegistry *registry = NULL;

	if (g_once_init_enter (&registry)) {
		IrFamilyRegistry *tmp = g_new0 (IrFamilyRegistry, 1);
		g_mutex_init (&tmp->lock);
		tmp->families = g_ptr_array_new ();
		g_once_init_leave (&registry, tmp);
	}
	return registry;
}

static const IrFamily *
ir_family_registry_find_locked (IrFamilyRegistry *registry, const char *id)
{
	for (guint i = 0; i < registry->families->len; i++) {
		const IrFamily *family = g_ptr_array_index (registry->families, i);
		if (g_strcmp0 (family->id, id) == 0)
			return family;
	}
	return NULL;
}

void
ir_family_register (const IrFamily *family)
{
	IrFamilyRegistry *registry = ir_family_registry_get ();
	g_autoptr (GMutexLocker) locker = NULL;

	g_return_if_fail (family != NULL && family->id != NULL);
	locker = g_mutex_locker_new (&registry->lock);
	if (ir_family_registry_find_locked (registry, family->id) == NULL)
		g_ptr_array_add (registry->families, (gpointer)family);
}

const IrFamily *
ir_family_lookup (const char *id)
{
	IrFamilyRegistry *registry = ir_family_registry_get ();
	g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&registry->lock);

	return ir_family_registry_find_locked (registry, id);
}

GPtrArray *
ir_family_get_all (void)
{
	IrFamilyRegistry *registry = ir_family_registry_get ();
	g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&registry->lock);

	return g_ptr_array_copy (registry->families, NULL, NULL);
}

gboolean
ir_family_is_binary (const IrFamily *family)
{
	return family != NULL && family->probe != NULL;
}

void
ir_family_identity_clear (IrFamilyIdentity *identity)
{
	g_clear_pointer (&identity->manufacturer, g_free);
	g_clear_pointer (&identity->model, g_free);
	g_clear_pointer (&identity->revision, g_free);
	g_clear_pointer (&identity->serial, g_free);
}

void
ir_family_read_report_clear (IrFamilyReadReport *report)
{
	g_clear_pointer (&report->command, g_free);
	g_clear_pointer (&report->passed_over, g_free);
}

void
ir_family_read_report_add_command (IrFamilyReadReport *report, const char *command)
{
	char *joined;

	if (report == NULL)
		return;
	joined = report->command != NULL ? g_strdup_printf ("%s, %s", report->command, command)
					 : g_strdup (command);
	g_free (report->command);
	report->command = joined;
}

void
ir_challenge_free (IrChallenge *challenge)
{
	if (challenge == NULL)
		return;
	g_free (challenge->hardware_id);
	g_clear_pointer (&challenge->nonce, g_bytes_unref);
	g_free (challenge);
}
