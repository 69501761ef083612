/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake acrn-dm's disks: -s N,virtio-blk,PATH[,ro][,format=F][,id=ID]
 * opened through the real block layer, so the monitor's snapshot commands
 * (dm/monitor/snapshot.c) work on real images. The pretend guest does no
 * I/O. A disk that cannot be opened is left out with a message: tests of
 * other things name files that do not exist.
 */
#ifndef FAKE_DISKS_H
#define FAKE_DISKS_H

#include <glib.h>

void fake_disks_open(GPtrArray *pci_args);
void fake_disks_close(void);

#endif
