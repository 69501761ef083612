/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM definitions: a subset of libvirt's domain XML (the canonical format, so
 * virsh define/dumpxml round-trip) plus an ACRN namespace for what libvirt
 * lacks. Parsing treats the document as hostile.
 */
#ifndef ACRND_DEF_H
#define ACRND_DEF_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#define ACRND_NAME_MAX    15         /* ACRN's VM name limit */
#define ACRND_XML_MAX     (1u << 20) /* a definition larger than this is refused */
#define ACRND_VCPUS_MAX   16
#define ACRND_DISKS_MAX   16
#define ACRND_SERIALS_MAX 2
#define ACRND_NS          "https://projectacrn.org/acrnd/1"

enum acrnd_action {
	ACRND_ACTION_DESTROY,  /* stay off */
	ACRND_ACTION_RESTART,  /* start again */
	ACRND_ACTION_PRESERVE, /* keep the crashed state for inspection */
	_ACRND_ACTION_MAX,
	_ACRND_ACTION_INVALID = -EINVAL,
};

enum acrnd_serial_type {
	ACRND_SERIAL_PTY,
	ACRND_SERIAL_FILE,
	ACRND_SERIAL_UNIX, /* acrn-dm listens on the path */
};

struct acrnd_disk {
	char *file;
	char *format; /* "raw" or "qcow2" */
	char *target; /* "vda": the virtio-blk id (blkrescan's device) */
	bool readonly;
};

struct acrnd_serial {
	enum acrnd_serial_type type;
	char *path;    /* FILE and UNIX */
	unsigned port; /* 0: com1, 1: com2 */
};

struct acrnd_def {
	char name[ACRND_NAME_MAX + 1];
	char uuid[37];
	bool uuid_generated; /* the XML had none */
	uint64_t memory_mib;
	unsigned vcpus;
	uint64_t cpuset; /* pCPU bitmap; 0: none given */
	char *kernel, *initrd, *cmdline;
	GPtrArray *disks;   /* struct acrnd_disk */
	GPtrArray *serials; /* struct acrnd_serial */
	enum acrnd_action on_poweroff, on_reboot, on_crash;
	/* acrn: namespace */
	char *transport;        /* "kernel", "board" or NULL (acrn-dm decides) */
	unsigned restart_limit; /* automatic restarts after crashes before giving up */
};

/* 0 if @name is a valid VM name, else -EINVAL with the reason in @error. */
int acrnd_name_check(const char *name, GError **error);

/*
 * Parse a domain XML document of @len bytes. No network, no DTD, no entity
 * expansion, at most ACRND_XML_MAX bytes. A missing uuid is generated.
 * Returns 0 and *@ret, or -EINVAL with a message naming the culprit.
 */
int acrnd_def_parse(const char *xml, size_t len, struct acrnd_def **ret, GError **error);
/* The canonical XML of @def (parses back to an equal definition). */
char *acrnd_def_format(const struct acrnd_def *def);
/*
 * The same for a running VM: @pty[port] (may be NULL) is the pty acrn-dm
 * opened for a pty serial port, shown as libvirt does in its live XML
 * (<source path='/dev/pts/N'/> and <alias name='serialN'/>, which parsing ignores).
 */
char *acrnd_def_format_live(const struct acrnd_def *def, char *const pty[ACRND_SERIALS_MAX]);
struct acrnd_def *acrnd_def_free(struct acrnd_def *def);

const char *acrnd_action_to_string(enum acrnd_action a);
enum acrnd_action acrnd_action_from_string(const char *s);

/*
 * acrn-dm's argv (NULL-terminated, argv[0] = @dm_path) for @def with its
 * monitor at @monitor_path.
 */
char **acrnd_def_to_argv(const struct acrnd_def *def, const char *dm_path,
                         const char *monitor_path);

#endif
