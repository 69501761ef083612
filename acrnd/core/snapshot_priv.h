/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the snapshot operations (snapshot.c) and their metadata file (snapshot_meta.c). */
#ifndef ACRND_SNAPSHOT_PRIV_H
#define ACRND_SNAPSHOT_PRIV_H

#include "snapshot.h"
#include "store.h"

struct snapshot_meta {
	char *current;    /* NULL or "": none */
	GPtrArray *snaps; /* struct acrnd_snapshot, in creation order */
	char *dir, *file;
};

struct acrnd_snapshot *snapshot_meta_entry(const char *name, const char *description,
                                           int64_t created, const char *state, const char *parent);
struct snapshot_meta *snapshot_meta_load(struct acrnd_store *store, const char *vm);
int snapshot_meta_save(struct snapshot_meta *m, GError **error);
void snapshot_meta_free(struct snapshot_meta *m);
struct acrnd_snapshot *snapshot_meta_find(struct snapshot_meta *m, const char *name);
void snapshot_meta_remove(struct snapshot_meta *m, const char *name);

#endif
