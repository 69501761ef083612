/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The x86 platform every post-launched VM gets besides its PCI devices:
 * PCI host bridge and LPC bridge, COM ports, CMOS RTC, ACPI PM registers
 * (S3, S5, power button), the reset register 0xCF9, and the ACPI tables
 * that describe it all. docs/x86-vm-platform.md specifies the guest's view.
 */
#ifndef DM_PLATFORM_H
#define DM_PLATFORM_H

#include <glib.h>
#include <stdint.h>

struct dm_vm;

/* ACPI tables live in [DM_ACPI_BASE, DM_ACPI_END), reserved in the e820 map;
 * the RSDP is in the BIOS scan area there, and its address is also in the
 * zero page (acpi_rsdp_addr) for direct Linux boot. */
#define DM_ACPI_BASE 0xE0000ULL
#define DM_ACPI_END  0x100000ULL

/*
 * "-l com1,BACKEND" (or com2): BACKEND is stdio, pty, socket:PATH (a unix
 * socket acrn-dm listens on) or file:PATH (output only). Call before
 * dm_platform_init; COM1 without -l has no backend (output dropped).
 */
int dm_uart_add_from_arg(struct dm_vm *vm, const char *arg, GError **error);

/* Register the platform devices (after the -s PCI devices are added). */
int dm_platform_init(struct dm_vm *vm, GError **error);
/* Write the ACPI tables into guest RAM (after pci_bus_realize); returns the RSDP address. */
int dm_acpi_build(struct dm_vm *vm, uint64_t *rsdp_gpa, GError **error);
/*
 * After an S3 suspend (DM_POWER_SUSPEND): the FACS firmware waking vector,
 * the real-mode address (CS = vector >> 4, IP = vector & 0xF) where the
 * guest wants to resume; 0 if it set none or the tables were not built.
 */
uint32_t dm_acpi_waking_vector(struct dm_vm *vm);

#endif
