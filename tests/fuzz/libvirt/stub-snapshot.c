/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for the core's snapshots (snapshot.h) for the fuzzer: every VM
 * has a root "a" and its child "b" (current); operations complete at once.
 */
#include <errno.h>
#include <string.h>

#include "snapshot.h"

void acrnd_snapshot_free(struct acrnd_snapshot *s)
{
	if (!s)
		return;
	g_free(s->name);
	g_free(s->description);
	g_free(s->state);
	g_free(s->parent);
	g_free(s);
}

int acrnd_snapshot_name_check(const char *name, GError **error)
{
	if (!*name || strlen(name) > ACRND_SNAPSHOT_NAME_MAX || name[0] == '.') {
		g_set_error(error, ACRND_ERROR, EINVAL, "bad snapshot name");
		return -EINVAL;
	}
	return 0;
}

static struct acrnd_snapshot *snap(const char *name, const char *parent, bool current)
{
	struct acrnd_snapshot *s = g_new0(struct acrnd_snapshot, 1);

	s->name = g_strdup(name);
	s->description = g_strdup("<d>");
	s->state = g_strdup(current ? "running" : "shutoff");
	s->parent = g_strdup(parent);
	s->current = current;
	s->ndisks = 1;
	return s;
}

static bool known(const char *name)
{
	return !strcmp(name, "a") || !strcmp(name, "b");
}

void acrnd_vm_snapshot_create(struct acrnd_vm *vm, const char *name, const char *description,
                              acrnd_snapshot_created_fn done, void *user)
{
	(void)vm;
	(void)description;
	if (known(name))
		done(-EINVAL, NULL, name, user);
	else
		done(0, NULL, *name ? name : "1700000000", user);
}

void acrnd_vm_snapshot_list(struct acrnd_vm *vm, acrnd_snapshot_list_fn done, void *user)
{
	g_autoptr(GPtrArray) a =
	        g_ptr_array_new_with_free_func((GDestroyNotify)acrnd_snapshot_free);

	(void)vm;
	g_ptr_array_add(a, snap("a", "", false));
	g_ptr_array_add(a, snap("b", "a", true));
	done(0, NULL, a, user);
}

void acrnd_vm_snapshot_delete(struct acrnd_vm *vm, const char *name, acrnd_done_fn done, void *user)
{
	(void)vm;
	done(known(name) ? 0 : -ENODATA, NULL, user);
}

void acrnd_vm_snapshot_revert(struct acrnd_vm *vm, const char *name, acrnd_done_fn done, void *user)
{
	(void)vm;
	done(known(name) ? -EBUSY : -ENODATA, NULL, user);
}
