import sys
from PIL import Image
pid=sys.argv[1]; pages=[int(p) for p in sys.argv[2:]]
ims=[Image.open(f'/tmp/f5/{pid}-p{p}.png') for p in pages]
ims=[im.resize((int(im.size[0]*0.75), int(im.size[1]*0.75))) for im in ims]
sheet=Image.new('RGB',(sum(i.size[0] for i in ims),max(i.size[1] for i in ims)),'white')
x=0
for im in ims: sheet.paste(im,(x,0)); x+=im.size[0]
sheet.save(f'/tmp/f5/{pid}-pages.png')
