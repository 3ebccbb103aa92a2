[Profile]
Name=mediatek
Family=mediatek
