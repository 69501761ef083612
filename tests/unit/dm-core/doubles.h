/* SPDX-License-Identifier: BSD-3-Clause */
/* Test doubles for what dm/core calls in other parts of acrn-dm (PCI bus, monitor). */
#ifndef DOUBLES_H
#define DOUBLES_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

struct cfg_access {
	unsigned bus, slot, func, reg, size;
	bool write;
	uint32_t val;
};

extern GArray *cfg_log;             /* struct cfg_access, from pci_cfg_access */
extern uint32_t cfg_read_value;     /* what pci_cfg_access reads return */
extern uint32_t acpi_waking_vector; /* what dm_acpi_waking_vector returns */

/* dm_event_emit also prints "event: NAME" on stderr (acrn-dm run as a subprocess). */
extern bool doubles_print_events;

void doubles_reset(void);
/* Emitted events so far, in order, joined by spaces ("reboot poweroff"). */
char *events_joined(void);
/* The data member @key of the @n-th event named @name, or NULL. */
char *event_string(const char *name, const char *key);
/* Wait up to 2 s for @n events in all. */
bool events_wait(unsigned n);

#endif
