# MediaTek handsets on their modem AT port (engineering +EGMR).
# 0e8d is MediaTek's USB vendor id; brands that ship their own vendor id are
# matched by what +CGMI answers instead.
[Profile]
Name=MediaTek dual-IMEI handset
Family=mediatek
UsbIds=0e8d:*;
Manufacturer=*MediaTek*;*MTK*;
Model=*
Slots=2
CommandTimeoutMs=3000
WriteTimeoutMs=10000
Priority=50
