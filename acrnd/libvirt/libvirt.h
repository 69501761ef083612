/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The libvirt RPC binding of acrnd's core: stock virsh, libvirt-python and
 * virt-manager drive acrnd as "acrn:///system" or "acrn:///session"
 * (api/libvirt.md). Knows the wire protocol and who may call what; the
 * VMs are the core's.
 */
#ifndef ACRND_LIBVIRT_H
#define ACRND_LIBVIRT_H

#include <stdbool.h>

#include <glib.h>

#include "manager.h"

struct acrnd_libvirt;

/*
 * Listen in @dir (NULL: /run/libvirt, or $XDG_RUNTIME_DIR/libvirt in
 * session mode) on virtacrnd-sock, and in system mode virtacrnd-sock-ro.
 * @session: the read-write socket serves acrnd's own uid, else only root.
 * @passed_fds (may be NULL): listening sockets from socket activation, the
 * read-write and the read-only one (-1: none); if either is given, acrnd
 * serves exactly those and creates no socket itself.
 */
int acrnd_libvirt_new(struct acrnd_manager *m, bool session, const char *dir,
                      const int passed_fds[2], struct acrnd_libvirt **ret, GError **error);
/* Close every connection and remove the sockets. */
void acrnd_libvirt_free(struct acrnd_libvirt *lv);

#endif
