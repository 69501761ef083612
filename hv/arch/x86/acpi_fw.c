/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading the firmware's ACPI tables at boot (arch/acpi_fw.h). */
#include <arch/acpi_fw.h>
#include <hv/lib.h>
#include <hv/mm.h>

#define SDT_HEADER_SIZE  36
#define MADT_ENTRIES_OFF 44 /* header, local APIC address, flags */

const uint8_t *acpi_fw_rsdp(void)
{
	for (uintptr_t p = 0xE0000; p < 0x100000; p += 16) {
		if (!memcmp((void *)p, "RSD PTR ", 8))
			return (const uint8_t *)p;
	}
	return NULL;
}

const uint8_t *acpi_fw_table(const uint8_t *rsdp, const char *sig)
{
	bool xsdt = rsdp[15] >= 2 && *(const uint64_t *)(rsdp + 24);
	const uint8_t *sdt = xsdt ? hpa_to_ptr(*(const uint64_t *)(rsdp + 24))
	                          : hpa_to_ptr(*(const uint32_t *)(rsdp + 16));
	uint32_t len = *(const uint32_t *)(sdt + 4), entry_size = xsdt ? 8 : 4;

	for (uint32_t off = SDT_HEADER_SIZE; off + entry_size <= len; off += entry_size) {
		uint64_t addr =
		        xsdt ? *(const uint64_t *)(sdt + off) : *(const uint32_t *)(sdt + off);
		const uint8_t *t = hpa_to_ptr(addr);

		if (!memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

const uint8_t *madt_next(const uint8_t *madt, uint32_t *off)
{
	uint32_t len = *(const uint32_t *)(madt + 4);
	const uint8_t *e;

	if (*off < MADT_ENTRIES_OFF)
		*off = MADT_ENTRIES_OFF;
	if (*off + 2 > len || madt[*off + 1] < 2)
		return NULL;
	e = madt + *off;
	*off += e[1];
	return e;
}
