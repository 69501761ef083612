/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test doubles for what dm/hw calls in the acrn-dm core, the PCI bus core
 * and the monitor: they record registrations, interrupt levels, power
 * requests and events so tests can drive the devices as the ioreq thread
 * would and assert on what the core would have seen.
 */
#ifndef DM_HW_TEST_DOUBLES_H
#define DM_HW_TEST_DOUBLES_H

#include <stdbool.h>
#include <stdint.h>

#include <dm/pci.h>
#include <dm/vm.h>

#define DBL_RAM_SIZE (2u << 20)

extern struct dm_vm dbl_vm;
/* Per GSI: current level and number of rising edges seen. */
extern bool dbl_gsi_level[32];
extern unsigned dbl_gsi_rises[32];
extern enum dm_power dbl_power;
extern unsigned dbl_power_requests;
/* The last event: its name and, for rtc_change, its delta. */
extern char dbl_event[64];
extern int64_t dbl_event_delta;
extern unsigned dbl_events;

/* A fresh VM with @ncpus vCPUs and 2 MiB of low RAM; forgets every registration. */
void dbl_reset(unsigned ncpus);
/* A port access as the core's dispatch makes it; -ENOENT if no range holds @port. */
int dbl_pio(uint16_t port, bool write, unsigned size, uint64_t *val);
uint8_t dbl_inb(uint16_t port);
void dbl_outb(uint16_t port, uint8_t v);
/* Whether a PIO range was registered at exactly @base with @len. */
bool dbl_pio_registered(uint16_t base, uint64_t len);
void dbl_run_reset_hooks(void);
void dbl_run_teardown_hooks(void);

/* Fake PCI devices for the ACPI builder and the bridge emulations. */
struct pci_dev *dbl_pci_add(unsigned slot, unsigned func, uint8_t pin, unsigned gsi);
const struct pci_dev_ops *dbl_pci_emulation(const char *name);

#endif
