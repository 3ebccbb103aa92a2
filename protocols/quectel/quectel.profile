# Quectel LTE/5G modules (2c7c is Quectel's USB vendor id; the product ids
# are those Quectel's Linux USB driver guide gives: EC25/EG25, EC21, EG91,
# EG95, BG96, EP06, RM500Q).
[Profile]
Name=Quectel cellular module
Family=quectel
UsbIds=2c7c:0125;2c7c:0121;2c7c:0191;2c7c:0195;2c7c:0296;2c7c:0306;2c7c:0800;2c7c:*;
Manufacturer=*Quectel*;
Model=*
Slots=1
CommandTimeoutMs=3000
WriteTimeoutMs=5000
Priority=50
