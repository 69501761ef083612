/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pieces every ACPI table builder needs, shared by the hypervisor's
 * (guest/acpi_build.c, pre-launched VMs) and acrn-dm's (dm/hw/acpi.c, which
 * compiles guest/acpi_table.c hosted with the AML encoder): the common table
 * header and checksum, SystemIO register descriptions, the RSDP, and the
 * DSDT's processor devices.
 */
#ifndef ARCH_ACPI_TABLE_H
#define ARCH_ACPI_TABLE_H

#include <arch/aml.h>
#include <hv/types.h>

#define ACPI_HDR_LEN     36
#define ACPI_RSDP_LEN    36
#define ACPI_RSDP_V1_LEN 20

/* Sum of @len bytes, mod 256: 0 for a valid table. */
uint8_t acpi_checksum(const void *p, size_t len);

/*
 * Fill the common header of a table of @len bytes: OEM "ACRN  " with
 * @oem_table_id (8 characters, names the builder), creator "ACRN",
 * revisions 1; the checksum is left 0 for acpi_table_seal().
 */
void acpi_table_header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev,
                       const char *oem_table_id);

/* Set the checksum of a complete table (its length from its header). */
void acpi_table_seal(uint8_t *t);

/* A SystemIO Generic Address Structure: @bits wide, @access 1 byte, 2 word, 3 dword. */
void acpi_gas_io(uint8_t *p, uint16_t port, uint8_t bits, uint8_t access);

/* An ACPI 2.0+ RSDP (ACPI_RSDP_LEN bytes) pointing at both the RSDT and XSDT, checksummed. */
void acpi_rsdp_fill(uint8_t *rsdp, uint64_t rsdt_gpa, uint64_t xsdt_gpa);

/*
 * Processor devices C000.. (ACPI0007) whose _UID 0 .. @n-1 match the MADT's
 * processor UIDs, so the guest's ACPI processor driver binds to every vCPU.
 * @n must not exceed 4096 (three hex digits).
 */
void acpi_dsdt_processors(struct aml_builder *b, unsigned n);

#endif
