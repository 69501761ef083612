/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal disk snapshots of a VM: one QCOW2 internal snapshot of the same
 * name on every writable qcow2 disk, taken through acrn-dm's monitor while
 * the VM runs (snapshot-create: the disks are quiesced together) and by
 * acrnd itself through the block engine when it is off. Reverting needs the
 * VM shut off. acrnd keeps what the images cannot hold (description, VM
 * state, parent, which one is current) in the state dir:
 * snapshots/NAME.json, written atomically. Names and fields follow libvirt's
 * snapshot model so a libvirt binding can map them one to one.
 *
 * Errors as manager.h, plus -ENODATA: no such snapshot.
 */
#ifndef ACRND_SNAPSHOT_H
#define ACRND_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "manager.h"

#define ACRND_SNAPSHOT_NAME_MAX 128
#define ACRND_SNAPSHOT_DESC_MAX 4096

struct acrnd_snapshot {
	char *name;
	char *description; /* "" if none */
	int64_t created;   /* seconds since the epoch */
	char *state;       /* the VM's state when taken: running, paused, shutoff, ... */
	char *parent;      /* the snapshot current when this one was taken; "" if none */
	bool current;      /* the last one taken or reverted to */
	unsigned ndisks;   /* disks that hold it (0: acrnd knows it, the images do not) */
};

void acrnd_snapshot_free(struct acrnd_snapshot *s);

/* 0 if @name may name a snapshot, else -EINVAL with the reason. */
int acrnd_snapshot_name_check(const char *name, GError **error);

/* Completion of CreateSnapshot: the snapshot's name (generated if none was given). */
typedef void (*acrnd_snapshot_created_fn)(int rc, const GError *error, const char *name,
                                          void *user);
/* Completion of a listing: @snaps (struct acrnd_snapshot, borrowed) oldest first. */
typedef void (*acrnd_snapshot_list_fn)(int rc, const GError *error, GPtrArray *snaps, void *user);

/*
 * Take snapshot @name ("": the current time in seconds, as libvirt names
 * them) of every writable qcow2 disk; all or nothing. Refused (-EOPNOTSUPP)
 * if a writable disk is raw or there is no qcow2 disk; -EBUSY while the VM
 * starts or shuts down.
 */
void acrnd_vm_snapshot_create(struct acrnd_vm *vm, const char *name, const char *description,
                              acrnd_snapshot_created_fn done, void *user);
void acrnd_vm_snapshot_list(struct acrnd_vm *vm, acrnd_snapshot_list_fn done, void *user);
/* Delete from every disk that has it (live through acrn-dm when the VM runs). */
void acrnd_vm_snapshot_delete(struct acrnd_vm *vm, const char *name, acrnd_done_fn done,
                              void *user);
/* The VM must be shut off (or crashed): -EBUSY otherwise. Every qcow2 disk, all or nothing. */
void acrnd_vm_snapshot_revert(struct acrnd_vm *vm, const char *name, acrnd_done_fn done,
                              void *user);

#endif
