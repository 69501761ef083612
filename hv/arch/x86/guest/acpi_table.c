/* SPDX-License-Identifier: BSD-3-Clause */
/* ACPI table pieces shared by the hypervisor's and acrn-dm's builders (arch/acpi_table.h). */
#include <arch/acpi_table.h>
#include <arch/aml.h>
#include <hv/le.h>
#include <hv/lib.h>
#include <hv/types.h>

#define ACPI_OEM_ID        "ACRN  "
#define ACPI_OEM_REVISION  1
#define ACPI_CREATOR_ID    "ACRN"
#define ACPI_CREATOR_REV   1
#define ACPI_GAS_SYSTEM_IO 1

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

void acpi_table_header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev,
                       const char *oem_table_id)
{
	memcpy(t, sig, 4);
	le_put32(t + 4, len);
	t[8] = rev;
	t[9] = 0;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, oem_table_id, 8);
	le_put32(t + 24, ACPI_OEM_REVISION);
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	le_put32(t + 32, ACPI_CREATOR_REV);
}

void acpi_table_seal(uint8_t *t)
{
	uint32_t len = le_get32(t + 4);

	t[9] = 0;
	t[9] = (uint8_t)(0x100 - acpi_checksum(t, len));
}

void acpi_gas_io(uint8_t *p, uint16_t port, uint8_t bits, uint8_t access)
{
	p[0] = ACPI_GAS_SYSTEM_IO;
	p[1] = bits;
	p[2] = 0; /* bit offset */
	p[3] = access;
	le_put64(p + 4, port);
}

void acpi_rsdp_fill(uint8_t *rsdp, uint64_t rsdt_gpa, uint64_t xsdt_gpa)
{
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, ACPI_OEM_ID, 6);
	rsdp[15] = 2; /* revision: ACPI 2.0+ (has an XSDT) */
	le_put32(rsdp + 16, (uint32_t)rsdt_gpa);
	le_put32(rsdp + 20, ACPI_RSDP_LEN);
	le_put64(rsdp + 24, xsdt_gpa);
	rsdp[8] = 0;
	rsdp[8] = (uint8_t)(0x100 - acpi_checksum(rsdp, ACPI_RSDP_V1_LEN));
	rsdp[32] = 0;
	rsdp[32] = (uint8_t)(0x100 - acpi_checksum(rsdp, ACPI_RSDP_LEN));
}

void acpi_dsdt_processors(struct aml_builder *b, unsigned n)
{
	static const char digits[] = "0123456789ABCDEF";

	for (unsigned i = 0; i < n; i++) {
		char name[5] = { 'C', digits[(i >> 8) & 0xF], digits[(i >> 4) & 0xF],
			         digits[i & 0xF], 0 };
		size_t dev = aml_device_begin(b, name);

		aml_name(b, "_HID");
		aml_string(b, "ACPI0007");
		aml_name(b, "_UID");
		aml_integer(b, i);
		aml_end(b, dev);
	}
}
