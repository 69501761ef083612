/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the snapshot operations (snapshot.c) and their metadata file (snapshot_meta.c). */
#ifndef ACRND_SNAPSHOT_PRIV_H
#define ACRND_SNAPSHOT_PRIV_H

#include "snapshot.h"
#include "store.h"

struct snap_meta {
	char *current;    /* NULL or "": none */
	GPtrArray *snaps; /* struct acrnd_snapshot, in creation order */
	char *dir, *file;
};

struct acrnd_snapshot *snap_new(const char *name, const char *description, int64_t created,
                                const char *state, const char *parent);
struct snap_meta *snap_meta_load(struct acrnd_store *store, const char *vm);
int snap_meta_save(struct snap_meta *m, GError **error);
void snap_meta_free(struct snap_meta *m);
struct acrnd_snapshot *snap_meta_find(struct snap_meta *m, const char *name);
void snap_meta_remove(struct snap_meta *m, const char *name);

#endif
