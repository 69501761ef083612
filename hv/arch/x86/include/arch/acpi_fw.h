/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The board firmware's ACPI tables as the hypervisor reads them at boot
 * (pCPU discovery in early.c, the bridge UART's interrupt route in
 * bridge_uart.c): RSDP in the BIOS area, XSDT or RSDT, MADT entries.
 */
#ifndef ARCH_ACPI_FW_H
#define ARCH_ACPI_FW_H

#include <hv/types.h>

/* MADT entry types used. */
#define MADT_LAPIC           0
#define MADT_IOAPIC          1
#define MADT_SOURCE_OVERRIDE 2

/* The RSDP in 0xE0000 .. 0xFFFFF, or NULL. */
const uint8_t *acpi_fw_rsdp(void);

/* The table with signature @sig listed by the XSDT (revision 2+) or else the RSDT, or NULL. */
const uint8_t *acpi_fw_table(const uint8_t *rsdp, const char *sig);

/*
 * Walk the MADT's entries: start with *@off = 0; returns the next entry
 * (type at [0], length at [1]) and advances, or NULL at the end or at an
 * entry too short to step over.
 */
const uint8_t *madt_next(const uint8_t *madt, uint32_t *off);

#endif
