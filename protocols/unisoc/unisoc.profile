# Unisoc (formerly Spreadtrum) handsets and modules: 1782 is Spreadtrum's
# USB vendor id, which Unisoc kept.
[Profile]
Name=Unisoc dual-IMEI handset
Family=unisoc
UsbIds=1782:*;
Manufacturer=*Unisoc*;*Spreadtrum*;*SPRD*;
Model=*
Slots=2
CommandTimeoutMs=3000
WriteTimeoutMs=10000
Priority=50
