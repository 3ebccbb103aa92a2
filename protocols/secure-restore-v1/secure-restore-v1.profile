# The imeirestore secure reference phone: the open secure-restore-v1 device
# protocol (README.md, "Device commands"), as imei-sim plays it and as a
# brand would put it in its firmware. "imeirestore reference phone" is this
# project's own +CGMI string: no real handset answers it. A brand shipping
# the protocol adds its own profile with its USB ids and +CGMI words.
[Profile]
Name=imeirestore secure reference phone (secure-restore-v1)
Family=secure-restore-v1
Manufacturer=imeirestore reference phone*;
Model=*
Slots=2
# reads and the challenge (16 random bytes and a counter saved to flash)
CommandTimeoutMs=3000
# the restore: a signature check and up to two NV writes; the host adds
# 1 ms per byte of the command for its echo (README.md, "Timeouts")
WriteTimeoutMs=15000
Priority=100
