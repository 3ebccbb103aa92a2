# SIMCom cellular modules (1e0e is SIMCom's USB vendor id: 9001 SIM7500/
# SIM7600, 9011 SIM7600 in RNDIS mode, 9205 SIM7070/SIM7080).
[Profile]
Name=SIMCom cellular module
Family=simcom
UsbIds=1e0e:9001;1e0e:9011;1e0e:9205;1e0e:*;
Manufacturer=*SIMCOM*;
Model=*
Slots=1
CommandTimeoutMs=3000
WriteTimeoutMs=5000
Priority=50
